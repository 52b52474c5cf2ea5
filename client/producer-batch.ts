/**
 * A batch of records for one partition, from the first append to the broker's answer, and the
 * send() calls waiting on it.
 *
 * Life: open (records written into its BatchBuilder as they are appended) → closed (full,
 * lingered or flushed; waits for an in-flight slot) → sealed once when first sent (producer
 * id, epoch and sequence stamped in the header then) → in flight → done (offsets known) or
 * failed. A retry resends the same bytes, so the broker recognises it as a duplicate if the
 * first attempt was written.
 */
import assert from 'node:assert/strict';
import type { StrataError } from '../proto/errors.js';
import { BatchBuilder } from './batch-builder.js';
import type { BufferPool } from '../proto/buffer-pool.js';

/** The producer's answer for one record. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset the broker assigned; -1 when sent with acks 'none' (no answer to learn it from). */
  offset: number;
}

/**
 * One send() call: resolves when every batch holding one of its records is done. Partitions
 * and offsets are kept as numbers and the RecordMetadata objects built only when the call
 * resolves: objects created per record at send() time would live as long as the batch is in
 * flight, and copying them through young-generation collections measured a fifth of a
 * producer's CPU.
 */
export class PendingSend {
  readonly topic: string;
  readonly partitions: number[];
  readonly offsets: number[];
  /** Batches holding records of this call and not yet done. */
  batchesLeft = 0;
  settled = false;
  private readonly resolveFn: (results: RecordMetadata[]) => void;
  private readonly rejectFn: (err: Error) => void;

  constructor(topic: string, recordCount: number, resolve: (r: RecordMetadata[]) => void, reject: (err: Error) => void) {
    this.topic = topic;
    this.partitions = new Array<number>(recordCount).fill(-1);
    this.offsets = new Array<number>(recordCount).fill(-1);
    this.resolveFn = resolve;
    this.rejectFn = reject;
  }

  batchDone(): void {
    if (--this.batchesLeft === 0 && !this.settled) {
      this.settled = true;
      const { topic, partitions, offsets } = this;
      const results = new Array<RecordMetadata>(partitions.length);
      for (let i = 0; i < results.length; i++) results[i] = { topic, partition: partitions[i]!, offset: offsets[i]! };
      this.resolveFn(results);
    }
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(err);
  }
}

export type BatchState = 'open' | 'closed' | 'inflight' | 'done' | 'failed';

export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  /** Wire acks level; batches of different levels never share a request. */
  readonly acks: number;
  readonly createdAtMs: number;
  /** Order of creation within the partition: sequences may wrap, this never does. */
  readonly order: number;
  state: BatchState = 'open';
  /** Holds the records until the batch is sealed into `bytes`. */
  builder: BatchBuilder | null;
  /** The send() calls with records here, and where each one's records start in the batch. */
  readonly sends: PendingSend[] = [];
  private readonly sendStarts: number[] = [];
  /** For each record of the batch, its index in its send() call. */
  private readonly indexInSend: number[] = [];
  /** Pooled buffer the sealed bytes live in, released once the broker acknowledged them. */
  backing: Buffer | null = null;
  /** Bytes charged to the producer's buffer for this batch (released when it is done). */
  bufferedBytes = 0;
  recordCount = 0;
  bytes: Buffer | null = null;
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  /** Retries so far, and the earliest time of the next one. */
  attempts = 0;
  retryAtMs = 0;
  lastError: StrataError | null = null;
  private waiters: Array<() => void> | null = null;

  constructor(topic: string, partition: number, acks: number, order: number, initialBytes: number, nowMs: number,
    pool: BufferPool | null = null) {
    this.topic = topic;
    this.partition = partition;
    this.acks = acks;
    this.order = order;
    this.createdAtMs = nowMs;
    this.builder = new BatchBuilder(initialBytes, pool);
  }

  /** Encoded size so far (exact, uncompressed), header included. */
  get sizeBytes(): number {
    return this.builder?.sizeBytes ?? this.bytes?.length ?? 0;
  }

  /**
   * Books a record the caller has just written into `builder`: record `index` of `send`, and
   * the buffer bytes charged for it.
   */
  append(send: PendingSend, index: number, bufferedBytes: number): void {
    assert.ok(this.state === 'open');
    // Records of one send() are appended together, so checking the last entry dedupes.
    if (this.sends.length === 0 || this.sends[this.sends.length - 1] !== send) {
      this.sends.push(send);
      this.sendStarts.push(this.recordCount);
      send.batchesLeft++;
    }
    send.partitions[index] = this.partition;
    this.indexInSend.push(index);
    this.recordCount++;
    this.bufferedBytes += bufferedBytes;
  }

  /** The broker stored the batch at `baseOffset` (or -1 when unknown, acks none). */
  complete(baseOffset: number): void {
    assert.ok(this.state !== 'done' && this.state !== 'failed');
    this.state = 'done';
    const { sends, sendStarts, indexInSend } = this;
    if (baseOffset >= 0) {
      for (let s = 0; s < sends.length; s++) {
        const offsets = sends[s]!.offsets;
        const end = s + 1 < sends.length ? sendStarts[s + 1]! : this.recordCount;
        for (let j = sendStarts[s]!; j < end; j++) offsets[indexInSend[j]!] = baseOffset + j;
      }
    }
    for (const send of sends) send.batchDone();
    this.finish();
  }

  fail(err: Error): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    for (const send of this.sends) send.fail(err);
    this.finish();
  }

  get isFinished(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  /** Runs `fn` once the batch is done or failed (flush() uses it). */
  whenFinished(fn: () => void): void {
    if (this.isFinished) fn();
    else (this.waiters ??= []).push(fn);
  }

  private finish(): void {
    this.builder = null;
    this.bytes = null;
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters) for (const fn of waiters) fn();
  }
}
