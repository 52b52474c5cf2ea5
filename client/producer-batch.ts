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
import assert from '../proto/assert.js';
import type { StrataError } from '../proto/errors.js';
import { BatchBuilder } from './batch-builder.js';
import { PRODUCE_FRAME_HEADROOM_BYTES } from './produce-frame.js';
import type { BufferPool } from '../proto/buffer-pool.js';
import { SendReceipt, type RecordRun } from './send-receipt.js';

export type { RecordMetadata } from './send-receipt.js';

/**
 * One send() call: resolves when every batch holding one of its records is done. Where its
 * records went is collected as runs (see send-receipt.ts), placed by each batch as it
 * completes: no per-record object or array entry lives while the batch is in flight, since
 * copying those through young-generation collections measured a fifth of a producer's CPU.
 */
export class PendingSend {
  readonly topic: string;
  readonly recordCount: number;
  /** Batches holding records of this call and not yet done. */
  batchesLeft = 0;
  settled = false;
  private runs: RecordRun[] = [];
  /** Whether `runs` is in record order so far (runs of one batch are; batches may finish out of order). */
  private sorted = true;
  private readonly resolveFn: (receipt: SendReceipt) => void;
  private readonly rejectFn: (err: Error) => void;

  constructor(topic: string, recordCount: number, resolve: (receipt: SendReceipt) => void, reject: (err: Error) => void) {
    this.topic = topic;
    this.recordCount = recordCount;
    this.resolveFn = resolve;
    this.rejectFn = reject;
  }

  /** Records start .. start + count - 1 of this call are stored from `baseOffset` (-1: unknown) of `partition`. */
  placed(start: number, count: number, partition: number, baseOffset: number): void {
    const runs = this.runs;
    const last = runs.length > 0 ? runs[runs.length - 1]! : undefined;
    if (last !== undefined && last.start > start) this.sorted = false;
    runs.push({ start, count, partition, baseOffset });
  }

  batchDone(): void {
    if (--this.batchesLeft === 0 && !this.settled) {
      this.settled = true;
      const runs = this.runs;
      if (!this.sorted) runs.sort((a, b) => a.start - b.start);
      this.runs = [];
      this.resolveFn(new SendReceipt(this.topic, this.recordCount, runs));
    }
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.runs = [];
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
  /**
   * Runs of records here: run r holds `runInfo[3r + 2]` consecutive records of the send() call
   * `runSends[r]`, from its record `runInfo[3r]`, stored from position `runInfo[3r + 1]` of
   * the batch. A call's records are appended together, so its runs are adjacent here.
   */
  private readonly runSends: PendingSend[] = [];
  private readonly runInfo: number[] = [];
  /** Pooled buffer the sealed bytes live in, released once the broker acknowledged them. */
  backing: Uint8Array | null = null;
  /** Bytes charged to the producer's buffer for this batch (released when it is done). */
  bufferedBytes = 0;
  recordCount = 0;
  bytes: Uint8Array | null = null;
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  /** Retries so far, and the earliest time of the next one. */
  attempts = 0;
  retryAtMs = 0;
  lastError: StrataError | null = null;
  private waiters: Array<() => void> | null = null;

  /**
   * `initialBytes` is the first allocation of the batch's buffer and `capacityBytes` the most it
   * grows to before a record that needs more (the batch's size limit).
   */
  constructor(topic: string, partition: number, acks: number, order: number, initialBytes: number, nowMs: number,
    pool: BufferPool | null = null, capacityBytes = Infinity) {
    this.topic = topic;
    this.partition = partition;
    this.acks = acks;
    this.order = order;
    this.createdAtMs = nowMs;
    // Headroom only helps when the sealed bytes stay in the pooled buffer the frame can reuse.
    this.builder = new BatchBuilder(initialBytes, pool, pool !== null ? PRODUCE_FRAME_HEADROOM_BYTES : 0, capacityBytes);
  }

  /** Encoded size so far (exact, uncompressed), header included. */
  get sizeBytes(): number {
    return this.builder?.sizeBytes ?? this.bytes?.length ?? 0;
  }

  /**
   * Books `count` records the caller has just written into `builder`: records `index` ..
   * `index + count - 1` of `send`, and the buffer bytes charged for them.
   */
  append(send: PendingSend, index: number, count: number, bufferedBytes: number): void {
    assert.ok(this.state === 'open' && count > 0);
    const { runSends, runInfo } = this;
    const r = runSends.length - 1;
    if (r >= 0 && runSends[r] === send) {
      const k = 3 * r;
      if (runInfo[k]! + runInfo[k + 2]! === index) {
        runInfo[k + 2] = runInfo[k + 2]! + count;
      } else {
        runSends.push(send);
        runInfo.push(index, this.recordCount, count);
      }
    } else {
      send.batchesLeft++;
      runSends.push(send);
      runInfo.push(index, this.recordCount, count);
    }
    this.recordCount += count;
    this.bufferedBytes += bufferedBytes;
  }

  /** The broker stored the batch at `baseOffset` (or -1 when unknown, acks none). */
  complete(baseOffset: number): void {
    assert.ok(this.state !== 'done' && this.state !== 'failed');
    this.state = 'done';
    const { runSends, runInfo } = this;
    for (let r = 0; r < runSends.length; r++) {
      const k = 3 * r;
      runSends[r]!.placed(runInfo[k]!, runInfo[k + 2]!, this.partition, baseOffset < 0 ? -1 : baseOffset + runInfo[k + 1]!);
    }
    for (let r = 0; r < runSends.length; r++) if (r === 0 || runSends[r] !== runSends[r - 1]) runSends[r]!.batchDone();
    this.finish();
  }

  fail(err: Error): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    for (const send of this.runSends) send.fail(err);
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
