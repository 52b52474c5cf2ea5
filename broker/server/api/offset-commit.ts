/**
 * OffsetCommit: answered once the offsets are durable in the offsets log (under the `always`
 * flush policy, after the fsync). A stale generation or unknown member fails the request;
 * a bad partition fails only its own entry.
 */
import type { StrataError } from '../../../proto/errors.js';
import type { CommitInput } from '../../groups/group-coordinator.js';
import { topicRefusal } from '../../security/request-authorization.js';
import type { RequestContext } from '../request-context.js';

export interface OffsetCommitCommand {
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly offsets: readonly CommitInput[];
}

export interface OffsetCommitResult {
  /** Grouped by topic, in the order topics first appear in the command. */
  readonly topics: Array<{ readonly name: string; readonly partitions: Array<{ readonly partition: number; readonly error: StrataError | null }> }>;
}

export async function handleOffsetCommit(ctx: RequestContext, cmd: OffsetCommitCommand): Promise<OffsetCommitResult> {
  // Topics the caller may not read are answered with the refusal and not committed; the rest
  // are (Kafka's rule). Checked once per topic.
  const refusals = new Map<string, StrataError | null>();
  const refusalOf = (topic: string): StrataError | null => {
    let r = refusals.get(topic);
    if (r === undefined) refusals.set(topic, r = topicRefusal(ctx, 'read', topic));
    return r;
  };
  const allowed = cmd.offsets.filter((o) => refusalOf(o.topic) === null);
  // Nothing left to commit: the coordinator is not asked (a generation check on nothing).
  const outcomes = allowed.length > 0 ? await ctx.services.groups.commit(cmd.groupId, cmd.memberId, cmd.generationId, allowed) : [];
  const byTopic = new Map<string, Array<{ partition: number; error: StrataError | null }>>();
  const list = (topic: string) => {
    let l = byTopic.get(topic);
    if (!l) byTopic.set(topic, (l = []));
    return l;
  };
  if (allowed.length === cmd.offsets.length) {
    for (const o of outcomes) list(o.topic).push({ partition: o.partition, error: o.error ?? null });
  } else {
    const outcomeOf = new Map(outcomes.map((o) => [`${o.topic}\u0000${o.partition}`, o.error ?? null]));
    for (const o of cmd.offsets) {
      const error = refusalOf(o.topic) ?? outcomeOf.get(`${o.topic}\u0000${o.partition}`) ?? null;
      list(o.topic).push({ partition: o.partition, error });
    }
  }
  return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
