import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RecordAccumulator } from '../../../client/accumulator.js';
import { PendingSend } from '../../../client/producer-batch.js';
import { SendReceipt, type RecordMetadata } from '../../../client/send-receipt.js';

const ACKS_ALL = 0;

describe('SendReceipt', () => {
  it('answers partitionOf/offsetOf from runs and expands to one RecordMetadata per record', () => {
    const r = new SendReceipt('t', 6, [
      { start: 0, count: 2, partition: 1, baseOffset: 10 },
      { start: 2, count: 1, partition: 0, baseOffset: 5 },
      { start: 3, count: 3, partition: 1, baseOffset: 40 },
    ]);
    expect([0, 1, 2, 3, 4, 5].map((i) => [r.partitionOf(i), r.offsetOf(i)])).toEqual([[1, 10], [1, 11], [0, 5], [1, 40], [1, 41], [1, 42]]);
    expect(r.partitionOf(6)).toBe(-1);
    expect(r.offsetOf(-1)).toBe(-1);
    expect(r.toRecordMetadata()[4]).toEqual({ topic: 't', partition: 1, offset: 41 });
  });

  it('reports offset -1 for runs sent with acks none', () => {
    const r = new SendReceipt('t', 2, [{ start: 0, count: 2, partition: 3, baseOffset: -1 }]);
    expect(r.offsetOf(1)).toBe(-1);
    expect(r.toRecordMetadata()).toEqual([{ topic: 't', partition: 3, offset: -1 }, { topic: 't', partition: 3, offset: -1 }]);
  });
});

describe('PendingSend runs through batches', () => {
  it('matches a per-record oracle for any placement of records over partitions and any completion order', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 150, max: 700 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (placement, batchBytes, order) => {
        const acc = new RecordAccumulator({ lingerMs: 0, batchBytes, inFlightPerPartitionMax: 5 });
        let receipt: SendReceipt | null = null;
        const send = new PendingSend('t', placement.length, (r) => { receipt = r; }, () => {});
        // Append as the producer does: one run per record here, merged when adjacent.
        placement.forEach((p, i) => {
          const q = acc.queue('t', p);
          const batch = acc.openBatch(q, ACKS_ALL, 100, 0);
          batch.builder!.append(null, -1, Buffer.alloc(60), 60, 0, undefined);
          batch.append(send, i, 1, 100);
          acc.closeIfFull(q);
        });
        acc.closeExpired(0, true);
        const batches = [0, 1, 2].flatMap((p) => acc.queue('t', p).ready);
        // Oracle: record i's offset is the number of records placed in its partition before it.
        const seen = [0, 0, 0];
        const want: RecordMetadata[] = placement.map((p) => ({ topic: 't', partition: p, offset: 1000 * p + seen[p]!++ }));
        // Each partition's batches get contiguous offsets in creation order; complete them shuffled.
        const next = [0, 0, 0];
        const bases = new Map(batches.map((b) => {
          const base = 1000 * b.partition + next[b.partition]!;
          next[b.partition]! += b.recordCount;
          return [b, base] as const;
        }));
        const shuffled = [...batches];
        order.forEach((o, k) => {
          const j = o % shuffled.length;
          [shuffled[k % shuffled.length], shuffled[j]] = [shuffled[j]!, shuffled[k % shuffled.length]!];
        });
        for (const b of shuffled) {
          expect(receipt).toBeNull();
          b.complete(bases.get(b)!);
        }
        expect(receipt).not.toBeNull();
        const r = receipt! as SendReceipt;
        expect(r.toRecordMetadata()).toEqual(want);
        expect(r.runs.every((run, k) => k === 0 || run.start === r.runs[k - 1]!.start + r.runs[k - 1]!.count)).toBe(true);
        placement.forEach((p, i) => {
          expect(r.partitionOf(i)).toBe(p);
          expect(r.offsetOf(i)).toBe(want[i]!.offset);
        });
      },
    ), { numRuns: 200 });
  });

  it('rejects once when a batch fails, whatever the other batches do', () => {
    const acc = new RecordAccumulator({ lingerMs: 0, batchBytes: 1000, inFlightPerPartitionMax: 5 });
    const errors: Error[] = [];
    let resolved = 0;
    const send = new PendingSend('t', 2, () => { resolved++; }, (e) => errors.push(e));
    for (const p of [0, 1]) {
      const q = acc.queue('t', p);
      const batch = acc.openBatch(q, ACKS_ALL, 100, 0);
      batch.builder!.append(null, -1, Buffer.alloc(10), 10, 0, undefined);
      batch.append(send, p, 1, 100);
    }
    acc.closeExpired(0, true);
    acc.queue('t', 0).ready[0]!.fail(new Error('boom'));
    acc.queue('t', 1).ready[0]!.complete(7);
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    expect(resolved).toBe(0);
  });
});
