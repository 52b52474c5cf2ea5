/**
 * ResetOffsets: moves a group's committed offsets for one topic to earliest, latest, an offset
 * (clamped to the log) or the first offset at a timestamp. Refused with GroupNotEmptyError while
 * the group has members. `dryRun` reports the offsets without committing them.
 */
import type { ResetOutcome, ResetTarget } from '../../groups/group-coordinator.js';
import type { RequestContext } from '../request-context.js';

export interface ResetOffsetsCommand {
  readonly groupId: string;
  readonly topic: string;
  /** Empty: every partition of the topic. */
  readonly partitions: readonly number[];
  readonly target: ResetTarget;
  /** The offset or timestamp, for those targets. */
  readonly value: number;
  readonly dryRun: boolean;
}

export interface ResetOffsetsResult {
  readonly topic: string;
  readonly partitions: ResetOutcome[];
}

export async function handleResetOffsets(ctx: RequestContext, cmd: ResetOffsetsCommand): Promise<ResetOffsetsResult> {
  const partitions = await ctx.services.groups.resetOffsets(cmd.groupId, cmd.topic, cmd.partitions, cmd.target, cmd.value, cmd.dryRun);
  return { topic: cmd.topic, partitions };
}
