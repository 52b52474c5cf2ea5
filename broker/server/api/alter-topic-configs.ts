/**
 * AlterTopicConfigs: changes topics' settings live (`strata topic alter`). Each topic succeeds
 * or fails on its own: the whole change of one topic is validated before any of it applies, so
 * a bad value leaves that topic as it was. In a cluster the change goes to the topic's etcd
 * record and every broker applies it (ClusterMetadata.alterTopicConfig). A topic listed twice is refused in every entry (its
 * answers could not be told apart).
 */
import { InvalidRequestError } from '../../../proto/errors.js';
import { alterOverrides, type SettingValue } from '../../topics/topic-settings.js';
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';
import type { TopicResult } from './create-topics.js';

export interface AlterTopicConfigsCommand {
  readonly topics: ReadonlyArray<{
    readonly name: string;
    /** Settings given new values (Kafka names). */
    readonly set: readonly SettingValue[];
    /** Settings sent back to the broker's value. */
    readonly remove: readonly string[];
  }>;
  /** @default false */
  readonly validateOnly: boolean;
}

export interface AlterTopicConfigsResult {
  readonly topics: TopicResult[];
}

export async function handleAlterTopicConfigs(ctx: RequestContext, cmd: AlterTopicConfigsCommand): Promise<AlterTopicConfigsResult> {
  const count = new Map<string, number>();
  for (const t of cmd.topics) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  const results: TopicResult[] = [];
  for (const t of cmd.topics) {
    try {
      if (count.get(t.name)! > 1) throw new InvalidRequestError(`topic ${t.name} is listed more than once in one request`);
      await ctx.services.cluster.alterTopicConfig(t.name, {
        apply: (current) => alterOverrides(current, t.set, t.remove), validateOnly: cmd.validateOnly,
      });
      results.push({ name: t.name, error: null });
    } catch (err) {
      ctx.logger.debug({ err, topic: t.name }, 'alter topic config refused');
      results.push({ name: t.name, error: itemError(ctx, err, { api: 'alterTopicConfigs', topic: t.name }) });
    }
  }
  return { topics: results };
}
