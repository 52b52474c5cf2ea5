import { describe, expect, it } from 'vitest';
import { InvalidProducerEpochError, InvalidRecordBatchError, OutOfOrderSequenceError } from '../../../proto/errors.js';
import { PRODUCER_BATCHES_REMEMBERED, PRODUCER_SEQUENCE_MAX } from '../../../broker/constants.js';
import { ProducerStateTable, addSequence, type BatchIdentity } from '../../../broker/partition/producer-state.js';

const PID = 42;

function batch(firstSeq: number, records = 1, epoch = 0, producerId = PID): BatchIdentity {
  return { producerId, epoch, firstSeq, lastOffsetDelta: records - 1 };
}

/** Mimics Partition.append: check, then (same tick) record at the next offsets. */
class Harness {
  readonly table = new ProducerStateTable();
  nextOffset = 0;

  append(b: BatchIdentity): { duplicate: boolean; baseOffset: number; lastOffset: number } {
    const verdict = this.table.check(b);
    if (verdict.kind === 'duplicate') return { duplicate: true, baseOffset: verdict.batch.baseOffset, lastOffset: verdict.batch.lastOffset };
    const baseOffset = this.nextOffset;
    const lastOffset = baseOffset + b.lastOffsetDelta;
    this.nextOffset = lastOffset + 1;
    this.table.record(b, baseOffset, lastOffset);
    return { duplicate: false, baseOffset, lastOffset };
  }
}

describe('ProducerStateTable', () => {
  it('accepts consecutive sequences and answers a retry with the original offsets', () => {
    const h = new Harness();
    expect(h.append(batch(0, 3))).toEqual({ duplicate: false, baseOffset: 0, lastOffset: 2 });
    expect(h.append(batch(3, 2))).toEqual({ duplicate: false, baseOffset: 3, lastOffset: 4 });
    expect(h.append(batch(0, 3))).toEqual({ duplicate: true, baseOffset: 0, lastOffset: 2 });
    expect(h.append(batch(3, 2))).toEqual({ duplicate: true, baseOffset: 3, lastOffset: 4 });
    expect(h.nextOffset).toBe(5);
  });

  it('remembers exactly the last PRODUCER_BATCHES_REMEMBERED batches', () => {
    const h = new Harness();
    for (let i = 0; i < PRODUCER_BATCHES_REMEMBERED + 1; i++) h.append(batch(i));
    expect(h.table.get(PID)!.batches).toHaveLength(PRODUCER_BATCHES_REMEMBERED);
    // The newest five are duplicates...
    for (let i = 1; i <= PRODUCER_BATCHES_REMEMBERED; i++) expect(h.append(batch(i)).duplicate).toBe(true);
    // ...the oldest is forgotten, and replaying it now looks like a sequence gap.
    expect(() => h.append(batch(0))).toThrow(OutOfOrderSequenceError);
  });

  it('refuses a gap and a repeat of a sequence with a different length', () => {
    const h = new Harness();
    h.append(batch(0, 2));
    expect(() => h.append(batch(3))).toThrow(OutOfOrderSequenceError); // expected 2
    expect(() => h.append(batch(0, 3))).toThrow(OutOfOrderSequenceError); // same start, other end
    expect(() => h.append(batch(1))).toThrow(OutOfOrderSequenceError); // inside a known batch
    expect(h.append(batch(2)).duplicate).toBe(false);
  });

  it('fences stale epochs and requires a new epoch to start at sequence 0', () => {
    const h = new Harness();
    h.append(batch(0, 1, 1));
    expect(() => h.append(batch(1, 1, 0))).toThrow(InvalidProducerEpochError);
    expect(() => h.append(batch(5, 1, 2))).toThrow(OutOfOrderSequenceError);
    expect(h.append(batch(0, 1, 2)).duplicate).toBe(false);
    // The old epoch's batches are gone: sequence 0 at epoch 1 is now stale, not a duplicate.
    expect(() => h.append(batch(0, 1, 1))).toThrow(InvalidProducerEpochError);
    expect(h.table.get(PID)).toEqual({ epoch: 2, batches: [{ firstSeq: 0, lastSeq: 0, baseOffset: 1, lastOffset: 1 }] });
  });

  it('accepts an unknown producer at any sequence, like an expired one', () => {
    const h = new Harness();
    expect(h.append(batch(1000)).duplicate).toBe(false);
    expect(() => h.append(batch(1002))).toThrow(OutOfOrderSequenceError);
  });

  it('keeps producers apart', () => {
    const h = new Harness();
    h.append(batch(0, 1, 0, 1));
    h.append(batch(0, 1, 0, 2));
    expect(h.append(batch(1, 1, 0, 1))).toMatchObject({ duplicate: false, baseOffset: 2 });
    expect(h.append(batch(0, 1, 0, 2))).toMatchObject({ duplicate: true, baseOffset: 1 });
  });

  it('rolls back a batch whose write failed so the retry is appended', () => {
    const h = new Harness();
    h.append(batch(0));
    const verdict = h.table.check(batch(1));
    expect(verdict.kind).toBe('new');
    const recorded = h.table.record(batch(1), 1, 1);
    h.table.rollback(PID, recorded);
    expect(h.table.get(PID)!.batches.map((b) => b.firstSeq)).toEqual([0]);
    // Not a duplicate any more, and not a gap: appended again.
    expect(h.append(batch(1))).toMatchObject({ duplicate: false });
  });

  it('wraps sequences from int32 max to 0', () => {
    expect(addSequence(PRODUCER_SEQUENCE_MAX, 1)).toBe(0);
    expect(addSequence(PRODUCER_SEQUENCE_MAX - 1, 3)).toBe(1);
    const h = new Harness();
    h.append(batch(PRODUCER_SEQUENCE_MAX - 1, 2)); // covers max-1 and max
    expect(h.table.get(PID)!.batches[0]!.lastSeq).toBe(PRODUCER_SEQUENCE_MAX);
    expect(() => h.append(batch(PRODUCER_SEQUENCE_MAX + 1))).toThrow(OutOfOrderSequenceError);
    expect(h.append(batch(0, 3)).duplicate).toBe(false); // wraps: 0..2
    expect(h.append(batch(3)).duplicate).toBe(false);
    // A batch straddling the wrap point is a duplicate by its wrapped last sequence.
    const w = new Harness();
    w.append(batch(PRODUCER_SEQUENCE_MAX, 3)); // max, 0, 1
    expect(w.table.get(PID)!.batches[0]!.lastSeq).toBe(1);
    expect(w.append(batch(PRODUCER_SEQUENCE_MAX, 3)).duplicate).toBe(true);
    expect(w.append(batch(2)).duplicate).toBe(false);
  });

  it('checks later batches of one request against the earlier ones', () => {
    const h = new Harness();
    h.append(batch(0));
    const first = h.table.check(batch(1, 2));
    expect(first).toEqual({ kind: 'new', lastSeq: 2 });
    expect(h.table.check(batch(3), { epoch: 0, lastSeq: 2 })).toEqual({ kind: 'new', lastSeq: 3 });
    expect(() => h.table.check(batch(4), { epoch: 0, lastSeq: 2 })).toThrow(OutOfOrderSequenceError);
  });

  it('refuses idempotent batches without an epoch or sequence', () => {
    const t = new ProducerStateTable();
    expect(() => t.check({ producerId: 1, epoch: -1, firstSeq: 0, lastOffsetDelta: 0 })).toThrow(InvalidRecordBatchError);
    expect(() => t.check({ producerId: 1, epoch: 0, firstSeq: -1, lastOffsetDelta: 0 })).toThrow(InvalidRecordBatchError);
  });

  it('rebuilds from replayed log headers so retries after a restart are duplicates', () => {
    const t = new ProducerStateTable();
    t.replay(batch(0, 2), 100);
    t.replay(batch(2, 1), 102);
    t.replay({ producerId: -1, epoch: -1, firstSeq: -1, lastOffsetDelta: 4 }, 103); // non-idempotent: ignored
    expect(t.check(batch(2, 1))).toMatchObject({ kind: 'duplicate', batch: { baseOffset: 102, lastOffset: 102 } });
    expect(t.check(batch(3))).toMatchObject({ kind: 'new' });
    expect(t.size).toBe(1);
  });

  it('forgets the least recently used producer past its producer limit', () => {
    const t = new ProducerStateTable(2);
    t.record(batch(0, 1, 0, 1), 0, 0);
    t.record(batch(0, 1, 0, 2), 1, 1);
    t.record(batch(1, 1, 0, 1), 2, 2); // producer 1 is now the most recent
    t.record(batch(0, 1, 0, 3), 3, 3); // evicts producer 2
    expect(t.get(2)).toBeUndefined();
    expect(t.get(1)).toBeDefined();
    expect(t.get(3)).toBeDefined();
  });
});
