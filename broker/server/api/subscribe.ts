/**
 * Subscribe, SubscriptionCredit, Unsubscribe: push delivery to tailing consumers. The handlers
 * resolve partitions as a fetch does (read ACL per topic, the leader in a cluster, the leader
 * epoch the client knows) and hand them to the connection's SubscriptionSet
 * (../subscription-set.ts), which streams their batches as their high watermarks move.
 *
 * A partition that cannot be subscribed is not a request error: its error goes out in the
 * subscription's first pushed frame, as every later partition error does, so clients handle
 * one path. Request errors are for the request as a whole: no push on this listener
 * (UnsupportedVersionError), subscription id 0 (InvalidRequestError), a connection limit
 * (LimitExceededError).
 */
import { InvalidRequestError, StrataError, UnknownServerError, UnsupportedVersionError } from '../../../proto/errors.js';
import { FETCH_PARTITION_BYTES_DEFAULT, FETCH_RESPONSE_BYTES_MAX } from '../../constants.js';
import type { Partition } from '../../partition/partition.js';
import { topicRefusal } from '../../security/request-authorization.js';
import { leaderEpochRefusal } from '../leader-epoch-check.js';
import { leaderPartition } from '../partition-leader.js';
import type { RequestContext } from '../request-context.js';
import type { SubscriptionEntry, SubscriptionSet } from '../subscription-set.js';
import type { FetchTopic } from './fetch.js';

export interface SubscribeCommand {
  readonly subscriptionId: number;
  readonly creditBytes: number;
  /** The fetch request's topics: fetchOffset is where the stream starts. */
  readonly topics: readonly FetchTopic[];
}
export type SubscribeResult = Record<string, never>;

export interface SubscriptionCreditCommand {
  readonly subscriptionId: number;
  readonly creditBytes: number;
}
export type SubscriptionCreditResult = Record<string, never>;

export interface UnsubscribeCommand {
  readonly subscriptionId: number;
  /** Empty: the whole subscription. */
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly number[] }>;
}
export type UnsubscribeResult = Record<string, never>;

function subscriptionsOf(ctx: RequestContext): SubscriptionSet {
  if (!ctx.subscriptions) throw new UnsupportedVersionError('push delivery is not offered on this listener; fetch instead');
  return ctx.subscriptions;
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id <= 0) throw new InvalidRequestError(`subscription_id must be a positive integer, got ${id}`);
}

export async function handleSubscribe(ctx: RequestContext, cmd: SubscribeCommand): Promise<SubscribeResult> {
  const set = subscriptionsOf(ctx);
  checkId(cmd.subscriptionId);
  const entries: SubscriptionEntry[] = [];
  for (const t of cmd.topics) {
    const topic = t.name;
    const refused = topicRefusal(ctx, 'read', topic);
    for (const p of t.partitions) {
      let source: Partition | undefined;
      let refusal: StrataError | null = refused;
      if (!refusal) {
        try {
          source = leaderPartition(ctx.services, topic, p.partition);
          refusal = leaderEpochRefusal(topic, p.partition, source.leaderEpoch, p.currentLeaderEpoch);
        } catch (err) {
          refusal = err instanceof StrataError ? err : new UnknownServerError(undefined, { cause: err });
        }
      }
      entries.push({
        topic,
        partition: p.partition,
        offset: p.fetchOffset,
        partitionMaxBytes: Math.min(p.partitionMaxBytes || FETCH_PARTITION_BYTES_DEFAULT, FETCH_RESPONSE_BYTES_MAX),
        source: refusal ? undefined : source,
        refusal,
      });
    }
  }
  set.subscribe(cmd.subscriptionId, cmd.creditBytes, entries);
  return {};
}

export async function handleSubscriptionCredit(ctx: RequestContext, cmd: SubscriptionCreditCommand): Promise<SubscriptionCreditResult> {
  subscriptionsOf(ctx).addCredit(cmd.subscriptionId, cmd.creditBytes);
  return {};
}

export async function handleUnsubscribe(ctx: RequestContext, cmd: UnsubscribeCommand): Promise<UnsubscribeResult> {
  const set = subscriptionsOf(ctx);
  checkId(cmd.subscriptionId);
  set.unsubscribe(cmd.subscriptionId, cmd.topics);
  return {};
}

/** What a subscribed partition would get from a fetch now: its leader replica here, or the error. */
export function recheckPartition(ctx: RequestContext, topic: string, partition: number): { source: Partition } | { error: StrataError } {
  const refused = topicRefusal(ctx, 'read', topic);
  if (refused) return { error: refused };
  try {
    return { source: leaderPartition(ctx.services, topic, partition) };
  } catch (err) {
    return { error: err instanceof StrataError ? err : new UnknownServerError(undefined, { cause: err }) };
  }
}
