/**
 * ListOffsets: OFFSET_LATEST (-1) is the high watermark (the end of what consumers may read),
 * OFFSET_EARLIEST (-2) the log start offset, and any other value a timestamp in ms, answered
 * with the first offset whose batch max timestamp is at or after it (-1 if none).
 */
import { OFFSET_EARLIEST, OFFSET_LATEST } from '../../../proto/constants.js';
import { InvalidRequestError, type StrataError } from '../../../proto/errors.js';
import { topicRefusal } from '../../security/request-authorization.js';
import { itemError } from '../item-error.js';
import { leaderPartition } from '../partition-leader.js';
import type { RequestContext } from '../request-context.js';

export interface ListOffsetsCommand {
  readonly topics: ReadonlyArray<{
    readonly name: string;
    /** `timestamp`: OFFSET_LATEST, OFFSET_EARLIEST, or a time in ms. */
    readonly partitions: ReadonlyArray<{ readonly partition: number; readonly timestamp: number }>;
  }>;
}

export interface PartitionOffsetResult {
  readonly partition: number;
  readonly error: StrataError | null;
  /** -1 on error, or when no batch is at or after the timestamp. */
  readonly offset: number;
  /** The found batch's max timestamp; -1 for latest/earliest, errors and no match. */
  readonly timestamp: number;
}

export interface ListOffsetsResult {
  readonly topics: Array<{ readonly name: string; readonly partitions: PartitionOffsetResult[] }>;
}

export async function handleListOffsets(ctx: RequestContext, cmd: ListOffsetsCommand): Promise<ListOffsetsResult> {
  const out: ListOffsetsResult['topics'] = [];
  for (const t of cmd.topics) {
    const name = t.name;
    const partitions: PartitionOffsetResult[] = [];
    out.push({ name, partitions });
    const refused = topicRefusal(ctx, 'describe', name);
    for (const q of t.partitions) {
      const index = q.partition;
      const timestamp = q.timestamp;
      try {
        if (refused) throw refused;
        const partition = leaderPartition(ctx.services, name, index);
        if (timestamp === OFFSET_LATEST) {
          partitions.push({ partition: index, error: null, offset: partition.highWatermark, timestamp: -1 });
        } else if (timestamp === OFFSET_EARLIEST) {
          partitions.push({ partition: index, error: null, offset: partition.logStartOffset, timestamp: -1 });
        } else if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
          throw new InvalidRequestError(`timestamp ${timestamp} is neither a time nor -1/-2`);
        } else {
          const found = await partition.offsetForTimestamp(timestamp);
          partitions.push({ partition: index, error: null, offset: found ? found.offset : -1, timestamp: found ? found.timestamp : -1 });
        }
      } catch (err) {
        partitions.push({ partition: index, error: itemError(ctx, err, { api: 'listOffsets', topic: name, partition: index }), offset: -1, timestamp: -1 });
      }
    }
  }
  return { topics: out };
}
