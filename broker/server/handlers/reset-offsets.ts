/**
 * ResetOffsets: moves a group's committed offsets for one topic to earliest, latest, an offset
 * (clamped to the log) or the first offset at a timestamp. Refused with GroupNotEmptyError while
 * the group has members. `dry_run` reports the offsets without committing them.
 */
import { InvalidRequestError, errorToWire } from '../../../proto/errors.js';
import { strata } from '../../../proto/gen/strata.js';
import type { ResetTarget } from '../../groups/group-coordinator.js';
import type { RequestContext } from '../request-context.js';

const TARGETS: Readonly<Record<number, ResetTarget>> = {
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_EARLIEST]: 'earliest',
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_LATEST]: 'latest',
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_OFFSET]: 'offset',
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_TIMESTAMP]: 'timestamp',
};

export async function handleResetOffsets(
  ctx: RequestContext,
  req: strata.v1.ResetOffsetsRequest.$Properties,
): Promise<strata.v1.ResetOffsetsResponse.$Properties> {
  const target = TARGETS[req.target ?? 0];
  if (!target) throw new InvalidRequestError(`unknown offset reset target ${req.target}`);
  const topic = req.topic ?? '';
  const outcomes = await ctx.services.groups.resetOffsets(
    req.groupId ?? '', topic, req.partitions ?? [], target, Number(req.value ?? 0), req.dryRun ?? false);
  return {
    topic,
    partitions: outcomes.map((o) => ({
      partition: o.partition, previousOffset: o.previousOffset, offset: o.offset, ...(o.error ? { error: errorToWire(o.error) } : {}),
    })),
  };
}
