/**
 * ListOffsets: OFFSET_LATEST (-1) is the high watermark (the end of what consumers may read),
 * OFFSET_EARLIEST (-2) the log start offset, and any other value a timestamp in ms, answered
 * with the first offset whose batch max timestamp is at or after it (-1 if none).
 */
import { OFFSET_EARLIEST, OFFSET_LATEST } from '../../../proto/constants.js';
import { InvalidRequestError, errorToWire } from '../../../proto/errors.js';
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleListOffsets(
  ctx: RequestContext,
  req: strata.v1.ListOffsetsRequest.$Properties,
): Promise<strata.v1.ListOffsetsResponse.$Properties> {
  const { topics } = ctx.services;
  const out: strata.v1.TopicOffsetResult.$Properties[] = [];
  for (const t of req.topics ?? []) {
    const name = t.name ?? '';
    const partitions: strata.v1.PartitionOffsetResult.$Properties[] = [];
    out.push({ name, partitions });
    for (const q of t.partitions ?? []) {
      const index = q.partition ?? 0;
      const timestamp = Number(q.timestamp ?? 0);
      try {
        const partition = topics.partition(name, index);
        if (timestamp === OFFSET_LATEST) {
          partitions.push({ partition: index, offset: partition.highWatermark, timestamp: -1 });
        } else if (timestamp === OFFSET_EARLIEST) {
          partitions.push({ partition: index, offset: partition.logStartOffset, timestamp: -1 });
        } else if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
          throw new InvalidRequestError(`timestamp ${timestamp} is neither a time nor -1/-2`);
        } else {
          const found = await partition.offsetForTimestamp(timestamp);
          partitions.push({ partition: index, offset: found ? found.offset : -1, timestamp: found ? found.timestamp : -1 });
        }
      } catch (err) {
        partitions.push({ partition: index, error: errorToWire(err), offset: -1, timestamp: -1 });
      }
    }
  }
  return { topics: out };
}
