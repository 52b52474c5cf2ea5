/**
 * A batch of records for one partition, from the first append to the broker's answer, and the
 * send() calls waiting on it.
 *
 * Life: open (records appended) → closed (full, lingered or flushed; waits for an in-flight
 * slot) → encoded once into RecordBatch v2 bytes when first sent (producer id, epoch and
 * sequence stamped then) → in flight → done (offsets known) or failed. A retry resends the
 * same bytes, so the broker recognises it as a duplicate if the first attempt was written.
 * After encoding, the record objects are dropped: the bytes are the batch.
 */
import assert from 'node:assert/strict';
import type { RecordInput } from '../proto/record-batch.js';
import type { StrataError } from '../proto/errors.js';

/** The producer's answer for one record. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset the broker assigned; -1 when sent with acks 'none' (no answer to learn it from). */
  offset: number;
}

/** One send() call: resolves when every batch holding one of its records is done. */
export class PendingSend {
  readonly results: RecordMetadata[];
  /** Batches holding records of this call and not yet done. */
  batchesLeft = 0;
  settled = false;
  private readonly resolveFn: (results: RecordMetadata[]) => void;
  private readonly rejectFn: (err: Error) => void;

  constructor(recordCount: number, resolve: (r: RecordMetadata[]) => void, reject: (err: Error) => void) {
    this.results = new Array<RecordMetadata>(recordCount);
    this.resolveFn = resolve;
    this.rejectFn = reject;
  }

  batchDone(): void {
    if (--this.batchesLeft === 0 && !this.settled) {
      this.settled = true;
      this.resolveFn(this.results);
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
  records: RecordInput[] | null = [];
  readonly metas: RecordMetadata[] = [];
  readonly sends: PendingSend[] = [];
  /** Upper-bound estimate of the encoded size, header included. */
  estimatedBytes: number;
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

  constructor(topic: string, partition: number, acks: number, order: number, headerBytes: number, nowMs: number) {
    this.topic = topic;
    this.partition = partition;
    this.acks = acks;
    this.order = order;
    this.estimatedBytes = headerBytes;
    this.createdAtMs = nowMs;
  }

  append(record: RecordInput, meta: RecordMetadata, send: PendingSend, estimatedBytes: number): void {
    assert.ok(this.state === 'open' && this.records !== null);
    this.records.push(record);
    this.metas.push(meta);
    this.recordCount++;
    this.estimatedBytes += estimatedBytes;
    this.bufferedBytes += estimatedBytes;
    // Records of one send() are appended together, so checking the last entry dedupes.
    if (this.sends.length === 0 || this.sends[this.sends.length - 1] !== send) {
      this.sends.push(send);
      send.batchesLeft++;
    }
  }

  /** The broker stored the batch at `baseOffset` (or -1 when unknown, acks none). */
  complete(baseOffset: number): void {
    assert.ok(this.state !== 'done' && this.state !== 'failed');
    this.state = 'done';
    const metas = this.metas;
    if (baseOffset >= 0) for (let i = 0; i < metas.length; i++) metas[i]!.offset = baseOffset + i;
    for (const send of this.sends) send.batchDone();
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
    this.records = null;
    this.bytes = null;
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters) for (const fn of waiters) fn();
  }
}
