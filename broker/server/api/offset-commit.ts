/**
 * OffsetCommit: answered once the offsets are durable in the offsets log (under the `always`
 * flush policy, after the fsync). A stale generation or unknown member fails the request;
 * a bad partition fails only its own entry.
 */
import type { StrataError } from '../../../proto/errors.js';
import type { CommitInput } from '../../groups/group-coordinator.js';
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
  const outcomes = await ctx.services.groups.commit(cmd.groupId, cmd.memberId, cmd.generationId, cmd.offsets);
  const byTopic = new Map<string, Array<{ partition: number; error: StrataError | null }>>();
  for (const o of outcomes) {
    let list = byTopic.get(o.topic);
    if (!list) byTopic.set(o.topic, (list = []));
    list.push({ partition: o.partition, error: o.error ?? null });
  }
  return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
