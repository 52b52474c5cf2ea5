/**
 * Idempotent-producer state of one partition: for each producer id, its current epoch and the
 * last PRODUCER_BATCHES_REMEMBERED batches it appended, as (firstSeq, lastSeq, baseOffset,
 * lastOffset). That is enough to answer the three questions a produce asks:
 *
 *   - duplicate: a retry of a remembered batch (same epoch, firstSeq and lastSeq) is answered
 *     with the original offsets and not appended again;
 *   - gap: a new batch must start at lastSeq + 1 of the producer's last batch (wrapping from
 *     PRODUCER_SEQUENCE_MAX to 0), else OutOfOrderSequenceError;
 *   - fencing: a batch with an older epoch than the producer's is InvalidProducerEpochError; a
 *     newer epoch starts over and must begin at sequence 0.
 *
 * A producer the table does not know (new, evicted, or older than the rebuilt log tail) is
 * accepted at any sequence, as Kafka does for a producer whose state expired.
 *
 * Concurrency: single-threaded and synchronous. The caller must run `check` and, once the log
 * has assigned offsets, `record`, in the same tick, so no other produce interleaves between the
 * decision and the append. `rollback` undoes one `record` when the write later fails.
 */
import { InvalidProducerEpochError, InvalidRecordBatchError, OutOfOrderSequenceError } from '../../proto/errors.js';
import { PRODUCER_BATCHES_REMEMBERED, PRODUCER_SEQUENCE_MAX, PRODUCERS_PER_PARTITION_MAX } from '../constants.js';

/** One appended batch, as remembered for duplicate detection. */
export interface ProducerBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

/** What identifies a batch to the sequence check (from its header). */
export interface BatchIdentity {
  readonly producerId: number;
  readonly epoch: number;
  readonly firstSeq: number;
  /** Records in the batch minus one (the header's lastOffsetDelta). */
  readonly lastOffsetDelta: number;
}

/** The producer's position as of earlier, not yet appended, batches of the same request. */
export interface PendingPosition {
  readonly epoch: number;
  readonly lastSeq: number;
}

export type SequenceCheck =
  | { readonly kind: 'new'; readonly lastSeq: number }
  | { readonly kind: 'duplicate'; readonly batch: ProducerBatch };

interface ProducerEntry {
  epoch: number;
  /** Oldest first; at most PRODUCER_BATCHES_REMEMBERED. */
  batches: ProducerBatch[];
}

/** Sequence numbers are int32 and wrap to 0 after PRODUCER_SEQUENCE_MAX. */
export function addSequence(seq: number, delta: number): number {
  const sum = seq + delta;
  return sum > PRODUCER_SEQUENCE_MAX ? sum - PRODUCER_SEQUENCE_MAX - 1 : sum;
}

export class ProducerStateTable {
  /** Map iteration order is the LRU order: every use moves a producer to the end. */
  private readonly producers = new Map<number, ProducerEntry>();

  constructor(private readonly producersMax = PRODUCERS_PER_PARTITION_MAX) {}

  get size(): number {
    return this.producers.size;
  }

  /** The producer's epoch and remembered batches (a copy), or undefined. */
  get(producerId: number): { epoch: number; batches: ProducerBatch[] } | undefined {
    const e = this.producers.get(producerId);
    return e && { epoch: e.epoch, batches: [...e.batches] };
  }

  /**
   * Classifies one idempotent batch (producerId >= 0) without changing any state. `pending` is
   * the producer's position after earlier new batches of the same request, if any.
   * Throws OutOfOrderSequenceError, InvalidProducerEpochError or InvalidRecordBatchError.
   */
  check(b: BatchIdentity, pending?: PendingPosition): SequenceCheck {
    if (b.epoch < 0) throw new InvalidRecordBatchError(`producer ${b.producerId} sent a batch without an epoch`);
    if (b.firstSeq < 0) throw new InvalidRecordBatchError(`producer ${b.producerId} sent a batch without a sequence`);
    const lastSeq = addSequence(b.firstSeq, b.lastOffsetDelta);
    const entry = this.producers.get(b.producerId);
    const currentEpoch = pending?.epoch ?? entry?.epoch;
    if (currentEpoch !== undefined && b.epoch < currentEpoch) {
      throw new InvalidProducerEpochError(`producer ${b.producerId} epoch ${b.epoch} is older than ${currentEpoch}`);
    }
    if (pending) return this.expectNext(b, pending.epoch, pending.lastSeq, lastSeq);
    if (!entry) return { kind: 'new', lastSeq };
    if (b.epoch > entry.epoch) {
      if (b.firstSeq !== 0) {
        throw new OutOfOrderSequenceError(`producer ${b.producerId} starts epoch ${b.epoch} at sequence ${b.firstSeq}, expected 0`);
      }
      return { kind: 'new', lastSeq };
    }
    for (const prior of entry.batches) {
      if (prior.firstSeq === b.firstSeq && prior.lastSeq === lastSeq) return { kind: 'duplicate', batch: prior };
    }
    const last = entry.batches[entry.batches.length - 1];
    if (!last) return { kind: 'new', lastSeq };
    return this.expectNext(b, entry.epoch, last.lastSeq, lastSeq);
  }

  /** Remembers an appended batch; returns the record to pass to `rollback` if its write fails. */
  record(b: BatchIdentity, baseOffset: number, lastOffset: number): ProducerBatch {
    const batch: ProducerBatch = { firstSeq: b.firstSeq, lastSeq: addSequence(b.firstSeq, b.lastOffsetDelta), baseOffset, lastOffset };
    let entry = this.producers.get(b.producerId);
    if (entry) {
      this.producers.delete(b.producerId); // re-inserted below: most recently used
      if (b.epoch > entry.epoch) entry = { epoch: b.epoch, batches: [] };
    } else {
      entry = { epoch: b.epoch, batches: [] };
    }
    entry.batches.push(batch);
    if (entry.batches.length > PRODUCER_BATCHES_REMEMBERED) entry.batches.shift();
    this.producers.set(b.producerId, entry);
    if (this.producers.size > this.producersMax) {
      const oldest = this.producers.keys().next().value as number;
      this.producers.delete(oldest);
    }
    return batch;
  }

  /** Forgets a batch whose write failed, so the producer's retry is accepted as new. */
  rollback(producerId: number, batch: ProducerBatch): void {
    const entry = this.producers.get(producerId);
    if (!entry) return;
    const i = entry.batches.indexOf(batch);
    if (i >= 0) entry.batches.splice(i, 1);
  }

  /**
   * Replays one batch header found in the log during recovery: no checks, the log is the
   * truth. Batches must be replayed in offset order.
   */
  replay(b: BatchIdentity, baseOffset: number): void {
    if (b.producerId < 0 || b.epoch < 0 || b.firstSeq < 0) return;
    const entry = this.producers.get(b.producerId);
    if (entry && b.epoch < entry.epoch) return;
    this.record(b, baseOffset, baseOffset + b.lastOffsetDelta);
  }

  /** Each remembered producer with its current epoch. */
  *epochs(): IterableIterator<[producerId: number, epoch: number]> {
    for (const [id, entry] of this.producers) yield [id, entry.epoch];
  }

  /** The largest producer id in the table, -1 when empty. */
  get maxProducerId(): number {
    let max = -1;
    for (const id of this.producers.keys()) if (id > max) max = id;
    return max;
  }

  clear(): void {
    this.producers.clear();
  }

  private expectNext(b: BatchIdentity, epoch: number, prevLastSeq: number, lastSeq: number): SequenceCheck {
    if (b.epoch > epoch) {
      if (b.firstSeq !== 0) {
        throw new OutOfOrderSequenceError(`producer ${b.producerId} starts epoch ${b.epoch} at sequence ${b.firstSeq}, expected 0`);
      }
      return { kind: 'new', lastSeq };
    }
    const expected = addSequence(prevLastSeq, 1);
    if (b.firstSeq !== expected) {
      throw new OutOfOrderSequenceError(`producer ${b.producerId} sent sequence ${b.firstSeq}, expected ${expected}`);
    }
    return { kind: 'new', lastSeq };
  }
}
