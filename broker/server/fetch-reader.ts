/**
 * One read pass of a fetch: for each requested partition, in request order, the whole batches
 * from its fetch offset, within the partition's budget and what is left of the response's.
 *
 * Budget rule (Kafka's KIP-74, slightly loosened): the first partition with data always gets at
 * least one whole batch, even one larger than both budgets, so an oversized batch can never
 * stall a consumer. Later partitions also get at least one batch if it fits in what is left of
 * the response budget, even if it exceeds their own partition budget (so a partition behind a
 * large batch is not starved just because it is never first). Bytes are never split mid-batch.
 *
 * The records are the stored bytes exactly as the partition returns them: no decoding, no
 * copying. Some lie in recycled read buffers: `release()` of the pass hands them back, to be
 * called once nothing looks at the records any more (the response frame holds a copy, or the
 * pass was superseded by a later one). A pass never released only costs the pool a buffer.
 */
import { OffsetOutOfRangeError, StrataError, UnknownServerError, UnknownTopicError } from '../../proto/errors.js';
import { BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import { OFFSET_BATCH_LENGTH } from '../../proto/record-batch.js';
import type { Partition, PartitionReadResult } from '../partition/partition.js';

export interface FetchTarget {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  /** Undefined when the topic or partition does not exist. */
  readonly source: Partition | undefined;
  /** Set when the partition must not be read for this request (a stale leader epoch): answered with it. */
  readonly refusal?: StrataError | null;
}

export interface PartitionRead {
  readonly target: FetchTarget;
  /** The partition's failure (always a StrataError: anything else becomes UnknownServerError), or null. */
  readonly error: StrataError | null;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly records: Buffer;
}

/** Read buffers a fetch holds until its answer is encoded. */
export interface HeldReadBuffers {
  /** Gives the pass's recycled read buffers back; its records must not be used afterwards. */
  release(): void;
}

export interface FetchPass extends HeldReadBuffers {
  readonly reads: PartitionRead[];
  /** Record bytes across all partitions. */
  readonly bytes: number;
  /** Partitions answered with an error: a fetch with errors is answered at once. */
  readonly errors: number;
}

/**
 * How a fetch reads one partition, up to its high watermark. A connection may bring its own
 * (RequestContext.fetchReader: the Kafka listener reads ahead for its clients); it must answer
 * exactly what Partition.read would.
 */
export type PartitionReader = (source: Partition, offset: number, maxBytes: number) => Promise<PartitionReadResult>;

export const readToHighWatermark: PartitionReader = (source, offset, maxBytes) => source.read(offset, maxBytes, 'high-watermark');

const EMPTY: Buffer = Buffer.alloc(0);

export async function readFetchPass(
  targets: readonly FetchTarget[], maxBytes: number, read: PartitionReader = readToHighWatermark,
): Promise<FetchPass> {
  const reads: PartitionRead[] = [];
  const releases: Array<() => void> = [];
  let bytes = 0;
  let errors = 0;
  for (const target of targets) {
    const source = target.source;
    if (target.refusal) {
      // A stale epoch, or (cluster) not this broker's to serve: the source may be absent.
      errors++;
      reads.push({ target, error: target.refusal, highWatermark: source?.highWatermark ?? -1, logStartOffset: source?.logStartOffset ?? -1, records: EMPTY });
      continue;
    }
    if (!source) {
      errors++;
      reads.push({ target, error: new UnknownTopicError(`unknown topic or partition ${target.topic}-${target.partition}`),
        highWatermark: -1, logStartOffset: -1, records: EMPTY });
      continue;
    }
    const remaining = maxBytes - bytes;
    try {
      if (!Number.isSafeInteger(target.fetchOffset) || target.fetchOffset < 0) {
        throw new OffsetOutOfRangeError({ offset: target.fetchOffset, topic: target.topic, partition: target.partition,
          range: { logStartOffset: source.logStartOffset, logEndOffset: source.logEndOffset } });
      }
      let records: Buffer = EMPTY;
      if (bytes === 0 || remaining > 0) {
        const limit = Math.min(target.partitionMaxBytes, remaining);
        const res = await read(source, target.fetchOffset, limit);
        releases.push(res.release);
        // The first partition with data keeps at least one batch; later ones only what fits.
        records = trimToWholeBatches(res.records, bytes === 0 ? limit : remaining, bytes === 0);
        bytes += records.length;
        reads.push({ target, error: null, highWatermark: res.highWatermark, logStartOffset: res.logStartOffset, records });
      } else {
        reads.push({ target, error: null, highWatermark: source.highWatermark, logStartOffset: source.logStartOffset, records });
      }
    } catch (err) {
      errors++;
      // Read failures are typed (CorruptLogError, StorageError...); anything else is a bug,
      // answered without its internals (the fetch handler logs the cause).
      const error = err instanceof StrataError ? err : new UnknownServerError(undefined, { cause: err });
      reads.push({ target, error, highWatermark: source.highWatermark, logStartOffset: source.logStartOffset, records: EMPTY });
    }
  }
  return { reads, bytes, errors, release: () => { for (const release of releases.splice(0)) release(); } };
}

/**
 * The longest prefix of `buf` made of whole batches totalling at most `limit` bytes (possibly
 * empty), or at least the first batch when `keepFirst`. A trailing partial batch, which a log
 * read should never return, is dropped too.
 */
export function trimToWholeBatches(buf: Buffer, limit: number, keepFirst = false): Buffer {
  let pos = 0;
  while (pos + BATCH_LENGTH_PREFIX_BYTES <= buf.length) {
    const next = pos + BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (next > buf.length || next <= pos) break;
    if (next > limit && !(keepFirst && pos === 0)) break;
    pos = next;
  }
  return pos === buf.length ? buf : buf.subarray(0, pos);
}
