/**
 * The consumer's view of one assigned partition: where to fetch next, what the application has
 * been given, and the fetched bytes waiting to be read.
 *
 * Buffers: each fetch response's records for this partition are kept as one "chunk" (whole
 * RecordBatch v2 batches as they lie in the log) and decoded only when the application reaches
 * them, so prefetching costs a memcpy-free Buffer reference, not per-record objects.
 *
 * Offsets: `fetchOffset` is the next offset to ask for (one past the last batch fetched);
 * `position` is the next offset to hand out. The first batch of a chunk may start before the
 * offset asked for; records before `position` are skipped when decoding. `epoch` grows on every
 * seek, so a fetch response that was in flight during one is recognised and dropped.
 *
 * Concurrency: owned by one consumer, event-loop use only.
 */
import { BATCH_HEADER_BYTES } from '../proto/constants.js';
import { InvalidRecordBatchError, type StrataError } from '../proto/errors.js';
import {
  batchTotalBytes, decodeRecordBatch, isControlBatch, lastOffsetOf, OFFSET_ATTRIBUTES,
} from '../proto/record-batch.js';
import type { ConsumerRecord } from './consumer-options.js';

export class PartitionFetchState {
  readonly topic: string;
  readonly partition: number;
  fetchOffset: number;
  position: number;
  paused = false;
  epoch = 0;
  /** Earliest time of the next fetch after a retriable partition error. */
  retryAtMs = 0;
  retryAttempts = 0;
  highWatermark = -1;
  logStartOffset = -1;
  /** An error to hand to the application once the records before it are read. */
  error: StrataError | null = null;
  /** Fetched, undecoded chunks, oldest first. */
  private chunks: Buffer[] = [];
  private chunkHighWatermarks: number[] = [];
  bufferedBytes = 0;
  /** Decoded records not yet handed out, from `decodedIndex` on. */
  decoded: ConsumerRecord<unknown>[] | null = null;
  decodedIndex = 0;
  /** Whether the partition is in the consumer's queue of partitions with something to read. */
  queued = false;

  constructor(topic: string, partition: number, offset: number) {
    this.topic = topic;
    this.partition = partition;
    this.fetchOffset = offset;
    this.position = offset;
  }

  /** Whether the partition holds anything for the application (records or an error). */
  get hasData(): boolean {
    return (this.decoded !== null && this.decodedIndex < this.decoded.length) || this.chunks.length > 0 || this.error !== null;
  }

  get hasChunks(): boolean {
    return this.chunks.length > 0;
  }

  /** Moves to `offset`, dropping everything buffered; returns the bytes released. */
  reset(offset: number): number {
    const released = this.bufferedBytes;
    this.epoch++;
    this.fetchOffset = offset;
    this.position = offset;
    this.chunks = [];
    this.chunkHighWatermarks = [];
    this.bufferedBytes = 0;
    this.decoded = null;
    this.decodedIndex = 0;
    this.error = null;
    this.retryAtMs = 0;
    this.retryAttempts = 0;
    return released;
  }

  /**
   * Keeps the whole batches of a fetch response and advances `fetchOffset` past them. A
   * trailing partial batch is dropped (it will be fetched again). Returns the bytes kept.
   */
  addChunk(records: Buffer): number {
    let pos = 0;
    let next = -1;
    const len = records.length;
    while (len - pos >= BATCH_HEADER_BYTES) {
      const total = batchTotalBytes(records, pos);
      if (total < BATCH_HEADER_BYTES) throw new InvalidRecordBatchError(`fetched batch declares ${total} bytes`);
      if (total > len - pos) break;
      next = lastOffsetOf(records, pos) + 1;
      pos += total;
    }
    if (pos === 0 || next <= this.fetchOffset) return 0;
    this.fetchOffset = next;
    const chunk = pos === len ? records : records.subarray(0, pos);
    this.chunks.push(chunk);
    this.chunkHighWatermarks.push(this.highWatermark);
    this.bufferedBytes += chunk.length;
    return chunk.length;
  }

  /**
   * Decodes the oldest chunk into records at or after `position`, in offset order; control
   * batches are skipped. Returns the records (possibly none), their high watermark and the
   * bytes released.
   */
  decodeChunk(checkCrcs: boolean, utf8: boolean): { records: ConsumerRecord<unknown>[]; highWatermark: number; released: number } {
    const chunk = this.chunks.shift()!;
    const highWatermark = this.chunkHighWatermarks.shift()!;
    this.bufferedBytes -= chunk.length;
    const position = this.position;
    const topic = this.topic;
    const partition = this.partition;
    let out: ConsumerRecord<unknown>[] | null = null;
    let pos = 0;
    while (pos < chunk.length) {
      const total = batchTotalBytes(chunk, pos);
      // Whole batches before the position (the start of a seek) are skipped without decoding.
      if (lastOffsetOf(chunk, pos) >= position && !isControlBatch(chunk.readInt16BE(pos + OFFSET_ATTRIBUTES))) {
        const { records } = decodeRecordBatch(chunk, pos, checkCrcs);
        let first = 0;
        while (first < records.length && records[first]!.offset < position) first++;
        const batch = records as unknown as ConsumerRecord<unknown>[];
        for (let i = first; i < batch.length; i++) {
          const r = batch[i]!;
          r.topic = topic;
          r.partition = partition;
          if (utf8) {
            if (r.key !== null) r.key = (r.key as Buffer).toString('utf8');
            if (r.value !== null) r.value = (r.value as Buffer).toString('utf8');
          }
        }
        const kept = first === 0 ? batch : batch.slice(first);
        if (out === null) out = kept;
        else for (let i = 0; i < kept.length; i++) out.push(kept[i]!);
      }
      pos += total;
    }
    return { records: out ?? [], highWatermark, released: chunk.length };
  }
}
