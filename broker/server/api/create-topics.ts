/**
 * CreateTopics: each topic succeeds or fails on its own; failures (bad name, already exists,
 * bad config, limit reached) go in that topic's result, never fail the request. The topics of
 * one request are created side by side (TopicManager.createTopics) and share their topics.json
 * writes; the maxTopics check counts creations in progress, so it still holds. A name listed
 * more than once in one request is refused in every entry (as Kafka does): answers are matched
 * by name, so two outcomes for one name could not be told apart.
 */
import { InvalidConfigError, InvalidRequestError, type StrataError } from '../../../proto/errors.js';
import { checkSingleNodeReplication } from '../../cluster/single-node-metadata.js';
import type { FlushPolicy } from '../../storage/log-config.js';
import type { TopicOverrides } from '../../topics/topic-config.js';
import type { NewTopicSpec } from '../../topics/topic-manager.js';
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';

/** A topic's overrides as the client asked for them; `flushPolicy` is checked here. */
export type RequestedTopicConfig = Omit<TopicOverrides, 'flushPolicy'> & { readonly flushPolicy?: string };

export interface CreateTopicsCommand {
  readonly topics: ReadonlyArray<{
    readonly name: string;
    /** 0 or less is refused by the topic manager (InvalidConfigError). */
    readonly partitions: number;
    /** Settings left out follow the broker's defaults. */
    readonly config: RequestedTopicConfig;
    /** @default 1 */
    readonly replicationFactor?: number | undefined;
    /** @default min(2, replicationFactor) */
    readonly minInsyncReplicas?: number | undefined;
  }>;
}

/** One topic's outcome, for CreateTopics and DeleteTopics. */
export interface TopicResult {
  readonly name: string;
  error: StrataError | null;
}

export interface CreateTopicsResult {
  readonly topics: TopicResult[];
}

const FLUSH_POLICIES: readonly string[] = ['always', 'interval', 'never'] satisfies FlushPolicy[];

export async function handleCreateTopics(ctx: RequestContext, cmd: CreateTopicsCommand): Promise<CreateTopicsResult> {
  const requested = cmd.topics;
  const results: TopicResult[] = requested.map((t) => ({ name: t.name, error: null }));
  if (ctx.services.cluster.mode === 'cluster') return createInCluster(ctx, cmd, results);
  const specs: NewTopicSpec[] = [];
  const slots: number[] = [];
  const seen = new Map<string, number>();
  for (const t of requested) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  requested.forEach((t, i) => {
    try {
      if (seen.get(t.name)! > 1) throw new InvalidRequestError(`topic ${t.name} is listed more than once in one request`);
      // Topics are created in the local TopicManager: one replica each. A cluster creates them
      // through ClusterMetadata.createTopic instead, which places the replicas.
      checkSingleNodeReplication(t.replicationFactor, t.minInsyncReplicas);
      specs.push({ name: t.name, partitions: t.partitions, overrides: checkedOverrides(t.config) });
      slots.push(i);
    } catch (err) {
      results[i]!.error = itemError(ctx, err, { api: 'createTopics', topic: t.name });
    }
  });
  const outcomes = await ctx.services.topics.createTopics(specs);
  outcomes.forEach((outcome, j) => {
    if (!(outcome instanceof Error)) return;
    ctx.logger.debug({ err: outcome, topic: specs[j]!.name }, 'create topic refused');
    results[slots[j]!]!.error = itemError(ctx, outcome, { api: 'createTopics', topic: specs[j]!.name });
  });
  return { topics: results };
}

/**
 * Cluster mode: each topic goes to etcd through ClusterMetadata.createTopic, which places the
 * replicas over the live brokers (InvalidReplicationFactorError when there are too few) and
 * waits until every partition has a leader. Every broker's replica manager then opens its
 * replicas. Topics of one request are created side by side.
 */
async function createInCluster(ctx: RequestContext, cmd: CreateTopicsCommand, results: TopicResult[]): Promise<CreateTopicsResult> {
  const counts = new Map<string, number>();
  for (const t of cmd.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  await Promise.all(cmd.topics.map(async (t, i) => {
    try {
      if (counts.get(t.name)! > 1) throw new InvalidRequestError(`topic ${t.name} is listed more than once in one request`);
      await ctx.services.cluster.createTopic({
        name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, minInsyncReplicas: t.minInsyncReplicas,
        config: checkedOverrides(t.config),
      });
    } catch (err) {
      ctx.logger.debug({ err, topic: t.name }, 'create topic refused');
      results[i]!.error = itemError(ctx, err, { api: 'createTopics', topic: t.name });
    }
  }));
  return { topics: results };
}

function checkedOverrides(config: RequestedTopicConfig): TopicOverrides {
  const { flushPolicy, ...rest } = config;
  if (flushPolicy === undefined) return rest;
  if (!FLUSH_POLICIES.includes(flushPolicy)) throw new InvalidConfigError(`unknown flush policy ${flushPolicy}`);
  return { ...rest, flushPolicy: flushPolicy as FlushPolicy };
}
