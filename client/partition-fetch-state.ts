/**
 * The consumer's view of one assigned partition: where to fetch next, what the application has
 * been given, and the fetched bytes waiting to be read.
 *
 * Buffers: each fetch response's records for this partition are kept as one "chunk" (whole
 * RecordBatch v2 batches as they lie in the log) and decoded only when the application reaches
 * them, so prefetching costs a memcpy-free Uint8Array reference, not per-record objects.
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
  batchTotalBytes, isControlBatch, lastOffsetOf, OFFSET_ATTRIBUTES,
} from '../proto/record-batch.js';
import type { ConsumerRecord } from './consumer-options.js';
import { decodeFetchedBatch } from './fetched-record.js';
import { readInt16BE } from '../proto/bytes.js';

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
  private chunks: Uint8Array[] = [];
  private chunkHighWatermarks: number[] = [];
  /** Where the next undecoded batch of the oldest chunk starts. */
  private chunkPos = 0;
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
    this.chunkPos = 0;
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
  addChunk(records: Uint8Array): number {
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
   * Decodes the next batch of the oldest chunk holding records at or after `position`, in
   * offset order; batches wholly before `position` and control batches are skipped without
   * decoding. One batch at a time, not a whole chunk, keeps the set of live record objects
   * small (decoding a 4 MiB chunk at once spent half its time in GC). Returns null when no
   * chunk is left; `released` is the bytes freed when a chunk was finished.
   */
  decodeNextBatch(checkCrcs: boolean, utf8: boolean): { records: ConsumerRecord<unknown>[]; highWatermark: number; released: number } | null {
    const position = this.position;
    let released = 0;
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const highWatermark = this.chunkHighWatermarks[0]!;
      let pos = this.chunkPos;
      let records: ConsumerRecord<unknown>[] | null = null;
      while (pos < chunk.length && records === null) {
        const total = batchTotalBytes(chunk, pos);
        if (lastOffsetOf(chunk, pos) >= position && !isControlBatch(readInt16BE(chunk, pos + OFFSET_ATTRIBUTES))) {
          records = this.decodeBatch(chunk, pos, checkCrcs, utf8, position);
        }
        pos += total;
      }
      this.chunkPos = pos;
      if (pos >= chunk.length) {
        this.chunks.shift();
        this.chunkHighWatermarks.shift();
        this.chunkPos = 0;
        this.bufferedBytes -= chunk.length;
        released += chunk.length;
      }
      if (records !== null && records.length > 0) return { records, highWatermark, released };
    }
    return released > 0 ? { records: [], highWatermark: this.highWatermark, released } : null;
  }

  private decodeBatch(chunk: Uint8Array, pos: number, checkCrcs: boolean, utf8: boolean, position: number): ConsumerRecord<unknown>[] {
    return decodeFetchedBatch(chunk, pos, this.topic, this.partition, position, checkCrcs, utf8);
  }
}
