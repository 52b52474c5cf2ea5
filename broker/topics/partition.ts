/**
 * One partition as the server sees it: the storage PartitionLog plus the partition's
 * idempotent-producer state, and a fan-out of the log's 'highWatermark' event to parked fetches.
 *
 * Concurrency: `append` is synchronous from the sequence check through the log's offset
 * assignment to recording the batch, so two produces for the same producer can never both pass
 * the check (the check-then-act race is closed by running in one tick). Writes complete later
 * through the returned promises; a failed write rolls the producer state back.
 *
 * The broker works per batch: it reads the 61-byte headers (producer id, epoch, sequence,
 * lastOffsetDelta) and leaves records alone. Validation (length, magic, CRC) is the log's.
 */
import type { Logger } from '../logger.js';
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import { CorruptLogError, OutOfOrderSequenceError } from '../../proto/errors.js';
import {
  OFFSET_BATCH_LENGTH, OFFSET_BASE_SEQUENCE, OFFSET_LAST_OFFSET_DELTA, OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID,
} from '../../proto/record-batch.js';
import { readInt64BE } from '../../proto/int64.js';
import { PRODUCER_STATE_REBUILD_OFFSETS } from '../constants.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { ProducerStateTable, type BatchIdentity, type PendingPosition, type ProducerBatch } from './producer-state.js';

export interface PartitionAppendResult {
  /** True when every batch was a retry of batches already in the log: nothing was appended. */
  readonly duplicate: boolean;
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** -1 for duplicates: the original append time is not remembered. */
  readonly logAppendTimeMs: number;
  /** Settles when the bytes are written (acks=leader). */
  readonly written: Promise<void>;
  /** Settles when the bytes are durable under the log's flush policy (acks=all). */
  readonly durable: Promise<void>;
}

interface Span {
  readonly pos: number;
  readonly id: BatchIdentity;
}

type HighWatermarkListener = (highWatermark: number) => void;

/** The completion promises of an appended idempotent batch, while its write may still fail. */
interface Completion {
  readonly written: Promise<void>;
  readonly durable: Promise<void>;
}

export class Partition {
  readonly producers = new ProducerStateTable();
  /**
   * Completions of remembered batches appended by this process. A retry that arrives while the
   * original is still in flight waits on the original's promises: acknowledging on the high
   * watermark instead could confirm a batch whose write then failed and whose offsets were
   * reused. Weak, so forgotten batches drop out on their own; batches rebuilt from the log have
   * no entry, being on disk already.
   */
  private readonly completions = new WeakMap<ProducerBatch, Completion>();
  private readonly hwListeners = new Set<HighWatermarkListener>();
  private readonly onLogHighWatermark = (hw: number): void => {
    // Copy: a listener usually unsubscribes itself when it fires.
    for (const listener of [...this.hwListeners]) {
      try {
        listener(hw);
      } catch (err) {
        this.logger.error({ err }, 'high watermark listener failed');
      }
    }
  };

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
    private readonly logger: Logger,
  ) {
    log.on('highWatermark', this.onLogHighWatermark);
  }

  /**
   * Appends one or more back-to-back batches, applying idempotent-producer checks to batches
   * with a producer id. Throws synchronously (nothing appended) on invalid batches, sequence
   * gaps, stale epochs, or an unhealthy log. A request mixing retried and new batches of the
   * same producer is refused with OutOfOrderSequenceError, since it cannot be half-applied.
   */
  append(records: Buffer): PartitionAppendResult {
    const spans = readSpans(records);
    // Unparseable framing: let the log's validation produce the precise error.
    if (spans === null || spans.every((s) => s.id.producerId < 0)) return this.appendNew(records, null);

    const pending = new Map<number, PendingPosition>();
    const duplicates: ProducerBatch[] = [];
    let fresh = 0;
    for (const { id } of spans) {
      if (id.producerId < 0) {
        fresh++;
        continue;
      }
      const prior = pending.get(id.producerId);
      const verdict = this.producers.check(id, prior);
      if (verdict.kind === 'duplicate') {
        duplicates.push(verdict.batch);
      } else {
        fresh++;
        pending.set(id.producerId, { epoch: id.epoch, lastSeq: verdict.lastSeq });
      }
    }
    if (duplicates.length > 0 && fresh > 0) {
      throw new OutOfOrderSequenceError('request mixes retried and new batches for one partition');
    }
    if (duplicates.length > 0) return this.answerDuplicate(duplicates);
    return this.appendNew(records, spans);
  }

  /** Calls `listener` on every high-watermark advance until the returned function is called. */
  onHighWatermark(listener: HighWatermarkListener): () => void {
    this.hwListeners.add(listener);
    return () => this.hwListeners.delete(listener);
  }

  get waiterCount(): number {
    return this.hwListeners.size;
  }

  /**
   * Rebuilds producer state from the batch headers of the log's tail (the last
   * PRODUCER_STATE_REBUILD_OFFSETS offsets), so a producer retrying a batch written just
   * before a crash is answered as a duplicate. Returns the number of batch headers read.
   *
   * A corrupt batch header (bit rot in a sealed segment) must not keep the partition, and so
   * the broker, from starting: its reads already report CorruptLogError for that range. The
   * scan logs it and goes on from the next segment; batches in the skipped range are unknown
   * to the producer state, as if they were older than the rebuilt tail.
   */
  async rebuildProducerState(): Promise<number> {
    this.producers.clear();
    let from = Math.max(this.log.logStartOffset, this.log.logEndOffset - PRODUCER_STATE_REBUILD_OFFSETS);
    let scanned = 0;
    for (;;) {
      try {
        for await (const h of this.log.scanBatchHeaders(from)) {
          scanned++;
          this.producers.replay(
            { producerId: h.producerId, epoch: h.producerEpoch, firstSeq: h.baseSequence, lastOffsetDelta: h.lastOffsetDelta },
            h.baseOffset,
          );
          from = h.baseOffset + h.lastOffsetDelta + 1;
        }
        return scanned;
      } catch (err) {
        if (!(err instanceof CorruptLogError)) throw err;
        const next = this.log.segmentBaseOffsets().find((base) => base > from);
        this.logger.error({ err, offset: from, resumeAt: next ?? null }, 'corrupt batch while rebuilding producer state; skipping to the next segment');
        if (next === undefined) return scanned;
        from = next;
      }
    }
  }

  /** Stops forwarding log events; the log itself is closed by its LogManager. */
  detach(): void {
    this.log.off('highWatermark', this.onLogHighWatermark);
    this.hwListeners.clear();
  }

  private appendNew(records: Buffer, spans: Span[] | null): PartitionAppendResult {
    const result = this.log.append(records);
    if (spans !== null) {
      // Offsets are contiguous from baseOffset in batch order; record each idempotent batch in
      // the same tick as the append, before any other request can run.
      const recorded: Array<[number, ProducerBatch]> = [];
      let base = result.baseOffset;
      for (const { id } of spans) {
        const last = base + id.lastOffsetDelta;
        if (id.producerId >= 0) recorded.push([id.producerId, this.producers.record(id, base, last)]);
        base = last + 1;
      }
      if (recorded.length > 0) {
        const completion: Completion = { written: result.written, durable: result.durable };
        for (const [, batch] of recorded) this.completions.set(batch, completion);
        result.written.catch(() => {
          for (const [producerId, batch] of recorded) this.producers.rollback(producerId, batch);
        });
      }
    }
    return {
      duplicate: false,
      baseOffset: result.baseOffset,
      lastOffset: result.lastOffset,
      logAppendTimeMs: result.logAppendTimeMs,
      written: result.written,
      durable: result.durable,
    };
  }

  /** Answers a retry with the original offsets, once the originals are written / durable. */
  private answerDuplicate(batches: ProducerBatch[]): PartitionAppendResult {
    const baseOffset = batches[0]!.baseOffset;
    const lastOffset = batches[batches.length - 1]!.lastOffset;
    const pending = batches.map((b) => this.completions.get(b)).filter((c): c is Completion => c !== undefined);
    const written = Promise.all(pending.map((c) => c.written)).then(() => undefined);
    const durable = Promise.all(pending.map((c) => c.durable)).then(() => undefined);
    return { duplicate: true, baseOffset, lastOffset, logAppendTimeMs: -1, written, durable };
  }
}

/** Walks batch framing (header presence and batchLength only); null if it does not add up. */
function readSpans(buf: Buffer): Span[] | null {
  const spans: Span[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < BATCH_HEADER_BYTES) return null;
    const total = BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (total < BATCH_HEADER_BYTES || total > buf.length - pos) return null;
    let producerId: number;
    try {
      producerId = readInt64BE(buf, pos + OFFSET_PRODUCER_ID);
    } catch {
      return null;
    }
    spans.push({
      pos,
      id: {
        producerId,
        epoch: buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH),
        firstSeq: buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE),
        lastOffsetDelta: buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA),
      },
    });
    pos += total;
  }
  return spans.length > 0 ? spans : null;
}
