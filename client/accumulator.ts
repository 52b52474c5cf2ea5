/**
 * The producer's record accumulator: per topic-partition, an open batch that records are
 * appended to, then a FIFO of closed batches waiting for an in-flight slot, then the batches in
 * flight. It decides when a batch closes (its size plus an upper bound of the next record
 * would pass `batchBytes`, it has lingered `lingerMs`, or a flush asked for it) and which
 * batches may go now; it does no I/O.
 *
 * Ordering: within a partition, batches leave in creation order (`order`), and a batch that
 * must be retried goes back to the front of the queue in that order. While a partition has a
 * retry pending it keeps a single batch in flight, as Kafka does, so retries cannot overtake.
 *
 * Concurrency: owned by one producer, used from the event loop only.
 */
import assert from '../proto/assert.js';
import { BATCH_HEADER_BYTES } from '../proto/constants.js';
import type { BufferPool } from '../proto/buffer-pool.js';
import { ProducerBatch } from './producer-batch.js';
import { PartitionSequence } from './sequence.js';

/** First allocation of a partition's first batch; later ones start from recentBatchBytes. */
const BATCH_INITIAL_BYTES = 16 * 1024;

export interface AccumulatorOptions {
  lingerMs: number;
  /** Target (estimated) batch size; a single larger record still gets a batch of its own. */
  batchBytes: number;
  /** Batches in flight per partition in the normal case. */
  inFlightPerPartitionMax: number;
  /** Where batch buffers come from; null allocates each. */
  pool?: BufferPool | null;
}

/** One topic-partition's queues. */
export class PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  open: ProducerBatch | null = null;
  /** Closed batches, oldest first; retried batches are put back in `order`. */
  readonly ready: ProducerBatch[] = [];
  /** Sent and unanswered, in send order. */
  readonly inFlight: ProducerBatch[] = [];
  readonly sequence = new PartitionSequence();
  /**
   * Recent size of this partition's batches, from which the next one's first allocation is
   * sized: the last closed batch's size, or three quarters of the previous value if that is
   * larger. A stream whose acknowledgements come in bursts closes a small batch on linger now
   * and then; sized from that one alone, the next batch regrew by doubling (four copies of up
   * to a megabyte, and buffers of sizes the pool did not hold: 140 regrowths in 580 batches of
   * a 5M-record perf produce). A stream that really shrinks gets there within a few batches.
   */
  recentBatchBytes = 0;
  /** Batches whose sequence must be re-assigned (a batch before them failed for good). */
  rewindAfterOrder = -1;
  private nextOrder = 0;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  newOrder(): number {
    return this.nextOrder++;
  }

  /** True while a batch waits to be retried: one batch in flight only, and in order. */
  get retrying(): boolean {
    return this.ready.length > 0 && this.ready[0]!.attempts > 0;
  }

  /** Puts a batch back for a retry, keeping `ready` sorted by creation order. */
  requeue(batch: ProducerBatch): void {
    batch.state = 'closed';
    let i = 0;
    while (i < this.ready.length && this.ready[i]!.order < batch.order) i++;
    this.ready.splice(i, 0, batch);
  }

  removeInFlight(batch: ProducerBatch): boolean {
    const i = this.inFlight.indexOf(batch);
    if (i < 0) return false;
    this.inFlight.splice(i, 1);
    return true;
  }

  get isEmpty(): boolean {
    return this.open === null && this.ready.length === 0 && this.inFlight.length === 0;
  }
}

export class RecordAccumulator {
  readonly options: AccumulatorOptions;
  private readonly topics = new Map<string, PartitionQueue[]>();
  /** Partitions with an open or closed batch; drain() looks only at these. */
  private readonly active = new Set<PartitionQueue>();
  /** Batches closed so far; the producer drains when it grows. */
  closedCount = 0;
  /** Called when a batch closes (the sticky partitioner moves on). */
  onBatchClosed: (batch: ProducerBatch) => void = () => {};

  constructor(options: AccumulatorOptions) {
    this.options = options;
  }

  queue(topic: string, partition: number): PartitionQueue {
    let parts = this.topics.get(topic);
    if (!parts) this.topics.set(topic, (parts = []));
    let q = parts[partition];
    if (!q) parts[partition] = q = new PartitionQueue(topic, partition);
    return q;
  }

  /** Every partition queue, for flush() and close(). */
  *allQueues(): IterableIterator<PartitionQueue> {
    for (const parts of this.topics.values()) for (const q of parts) if (q) yield q;
  }

  /**
   * The open batch of `q` to write a record of at most `recordBytes` into: the current one,
   * unless the record would push it past `batchBytes` or it was opened for another acks level,
   * in which case that one is closed and a new one opened. After writing, the caller books the
   * record with `batch.append()` and calls `closeIfFull()`.
   */
  openBatch(q: PartitionQueue, acks: number, recordBytes: number, nowMs: number): ProducerBatch {
    let batch = q.open;
    if (batch !== null && (batch.acks !== acks
      || (batch.recordCount > 0 && batch.sizeBytes + recordBytes > this.options.batchBytes))) {
      this.close(q);
      batch = null;
    }
    if (batch === null) {
      // Twice the recent size: a stream whose batches close full never regrows, and one whose
      // batches linger half-empty doubles at most once.
      const initialBytes = Math.min(this.options.batchBytes, Math.max(2 * q.recentBatchBytes, BATCH_INITIAL_BYTES));
      const firstRecordBytes = recordBytes + BATCH_HEADER_BYTES;
      batch = new ProducerBatch(q.topic, q.partition, acks, q.newOrder(), Math.max(initialBytes, firstRecordBytes), nowMs,
        this.options.pool ?? null, Math.max(this.options.batchBytes, firstRecordBytes));
      q.open = batch;
      this.active.add(q);
    }
    return batch;
  }

  /** Closes the open batch of `q` once it has reached `batchBytes`; true if it did. */
  closeIfFull(q: PartitionQueue): boolean {
    if (q.open !== null && q.open.sizeBytes >= this.options.batchBytes) {
      this.close(q);
      return true;
    }
    return false;
  }

  /** Closes the open batch of `q`, if any, queueing it to be sent. */
  close(q: PartitionQueue): void {
    const batch = q.open;
    if (batch === null) return;
    q.open = null;
    batch.state = 'closed';
    q.recentBatchBytes = Math.max(batch.sizeBytes, Math.floor(q.recentBatchBytes * 3 / 4));
    q.ready.push(batch);
    this.closedCount++;
    this.onBatchClosed(batch);
  }

  /**
   * Closes open batches that have lingered long enough (all of them when `flushing`) and
   * returns the earliest time a remaining open batch or a pending retry becomes due, or
   * Infinity.
   */
  closeExpired(nowMs: number, flushing: boolean): number {
    let nextDueMs = Infinity;
    for (const q of this.active) {
      const open = q.open;
      if (open !== null) {
        const dueMs = open.createdAtMs + this.options.lingerMs;
        if (flushing || dueMs <= nowMs) this.close(q);
        else if (dueMs < nextDueMs) nextDueMs = dueMs;
      }
      const head = q.ready[0];
      if (head !== undefined && head.retryAtMs > nowMs && head.retryAtMs < nextDueMs) nextDueMs = head.retryAtMs;
      if (q.open === null && q.ready.length === 0) this.active.delete(q);
    }
    return nextDueMs;
  }

  /**
   * The next batch `q` may send now, or null: the head of its queue, if its retry time has
   * come and the partition has a free in-flight slot (one while retrying, and only once the
   * batches before it are answered).
   */
  sendable(q: PartitionQueue, nowMs: number): ProducerBatch | null {
    const head = q.ready[0];
    if (head === undefined || head.retryAtMs > nowMs) return null;
    if (q.retrying || q.rewindAfterOrder >= 0) {
      if (q.inFlight.length > 0) return null;
    } else if (q.inFlight.length >= this.options.inFlightPerPartitionMax) {
      return null;
    }
    return head;
  }

  /** Moves the head batch of `q` to in flight. */
  markInFlight(q: PartitionQueue, batch: ProducerBatch): void {
    const head = q.ready.shift();
    assert.equal(head, batch, 'markInFlight: batch is not the head of its queue');
    batch.state = 'inflight';
    q.inFlight.push(batch);
    if (q.ready.length > 0 || q.open !== null) this.active.add(q);
  }

  /** Partitions holding open or closed batches. */
  activeQueues(): Iterable<PartitionQueue> {
    return this.active;
  }

  /** Re-activates a queue whose batch came back for a retry. */
  activate(q: PartitionQueue): void {
    this.active.add(q);
  }
}
