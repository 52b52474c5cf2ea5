import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COMPRESSION_GZIP, COMPRESSION_NONE } from '../../../proto/constants.js';
import { decodeRecordBatch, encodeRecordBatch, validateBatch, type RecordInput } from '../../../proto/record-batch.js';
import { BatchBuilder, fieldBytes, type FieldData } from '../../../client/batch-builder.js';
import { BufferPool } from '../../../proto/buffer-pool.js';

function build(records: Array<{ key: FieldData; value: FieldData; timestamp: number; headers?: RecordInput['headers'] }>,
  seal = { compression: COMPRESSION_NONE, producerId: -1, producerEpoch: -1, baseSequence: -1 }, initialBytes = 64): Buffer {
  const b = new BatchBuilder(initialBytes);
  for (const r of records) b.append(r.key, fieldBytes(r.key), r.value, fieldBytes(r.value), r.timestamp, r.headers as never);
  return b.seal(seal);
}

const asBuffer = (d: FieldData): Buffer | null => (d === null ? null : typeof d === 'string' ? Buffer.from(d, 'utf8') : Buffer.from(d));

describe('BatchBuilder', () => {
  it('writes exactly the bytes encodeRecordBatch writes, for any records', () => {
    const field = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 300 }));
    const record = fc.record({
      key: field,
      value: field,
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
      headers: fc.option(fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }) }), { maxLength: 3 }), { nil: undefined }),
    });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (records, pid, seq) => {
      const headersOf = (h: typeof records[number]['headers']) => h?.map((x) => ({ key: x.key, value: x.value === null ? null : Buffer.from(x.value) }));
      const seal = { compression: COMPRESSION_NONE, producerId: pid, producerEpoch: 2, baseSequence: seq };
      const ours = build(records.map((r) => ({ ...r, headers: headersOf(r.headers) })), seal);
      const reference = encodeRecordBatch(records.map((r) => ({
        key: asBuffer(r.key), value: asBuffer(r.value), timestamp: r.timestamp, headers: headersOf(r.headers),
      })), { producerId: pid, producerEpoch: 2, baseSequence: seq });
      expect(ours.equals(reference)).toBe(true);
    }), { numRuns: 300 });
  });

  it('leaves headroom before the sealed batch in its pooled buffer, through growth, with the same bytes', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ key: null, value: Buffer.alloc(100, i % 256), timestamp: 1000 + i }));
    const seal = { compression: COMPRESSION_NONE, producerId: 3, producerEpoch: 0, baseSequence: 0 };
    const plain = build(records, seal, 100);
    const b = new BatchBuilder(100, new BufferPool(1 << 22), 320);
    for (const r of records) b.append(r.key, -1, r.value, 100, r.timestamp, undefined);
    expect(b.sizeBytes).toBe(plain.length);
    const sealed = b.seal(seal);
    expect(sealed.equals(plain)).toBe(true);
    expect(b.backing).not.toBeNull();
    expect(sealed.buffer).toBe(b.backing!.buffer);
    expect(sealed.byteOffset - b.backing!.byteOffset).toBe(320);
  });

  it('writes the same bytes through appendValue as through append with a null key and no headers', () => {
    const value = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 300 }));
    // Timestamps far apart take appendValue's fallback (deltas of 2^30 and more).
    const entry = fc.record({ value, timestamp: fc.integer({ min: 0, max: 2 ** 42 }), fast: fc.boolean() });
    fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 40 }), (entries) => {
      const seal = { compression: COMPRESSION_NONE, producerId: 1, producerEpoch: 0, baseSequence: 0 };
      const a = new BatchBuilder(64);
      const b = new BatchBuilder(64);
      for (const e of entries) {
        a.append(null, -1, e.value, fieldBytes(e.value), e.timestamp, undefined);
        if (e.fast) b.appendValue(e.value, fieldBytes(e.value), e.timestamp);
        else b.append(null, -1, e.value, fieldBytes(e.value), e.timestamp, undefined);
      }
      expect(b.seal(seal).equals(a.seal(seal))).toBe(true);
    }), { numRuns: 300 });
  });

  it('stops doubling at its capacity, yet fits a record larger than it', () => {
    const seal = { compression: COMPRESSION_NONE, producerId: 3, producerEpoch: 0, baseSequence: 0 };
    const capacity = 100 * 1024;
    const b = new BatchBuilder(20 * 1024, new BufferPool(1 << 24), 0, capacity);
    while (b.sizeBytes + 120 <= capacity) b.append(null, -1, Buffer.alloc(100, 1), 100, 1000, undefined);
    b.seal(seal);
    // 20 -> 40 -> 80 KiB, then the capacity rather than 160 KiB.
    expect(b.backing!.length).toBe(BufferPool.classOf(capacity));
    const big = new BatchBuilder(64, null, 0, 1000);
    big.append(null, -1, Buffer.alloc(5000, 2), 5000, 1000, undefined);
    const { records } = decodeRecordBatch(big.seal(seal));
    expect(records[0]!.value!.equals(Buffer.alloc(5000, 2))).toBe(true);
  });

  it('grows its buffer past the initial size without losing records', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(100, i % 256), timestamp: 1000 + i }));
    const batch = build(records, undefined, 100);
    expect(validateBatch(batch)).toBe(batch.length);
    const { records: back } = decodeRecordBatch(batch);
    expect(back).toHaveLength(500);
    expect(back[499]!.key!.toString()).toBe('k499');
    expect(back[499]!.value!.equals(Buffer.alloc(100, 499 % 256))).toBe(true);
  });

  it('compresses the records section with gzip and stays decodable', () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ key: null, value: 'same text again and again', timestamp: 5 + i }));
    const plain = build(records);
    const gz = build(records, { compression: COMPRESSION_GZIP, producerId: -1, producerEpoch: -1, baseSequence: -1 });
    expect(gz.length).toBeLessThan(plain.length / 4);
    const { header, records: back } = decodeRecordBatch(gz);
    expect(header.attributes & 7).toBe(COMPRESSION_GZIP);
    expect(back.map((r) => r.value!.toString())).toEqual(records.map((r) => r.value));
    expect(back.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
  });

  it('writes negative timestamp deltas and tracks the max timestamp', () => {
    const batch = build([{ key: null, value: 'a', timestamp: 5000 }, { key: null, value: 'b', timestamp: 1000 }, { key: null, value: 'c', timestamp: 9000 }]);
    const { header, records } = decodeRecordBatch(batch);
    expect([header.baseTimestamp, header.maxTimestamp]).toEqual([5000, 9000]);
    expect(records.map((r) => r.timestamp)).toEqual([5000, 1000, 9000]);
  });

  it('refuses to seal an empty batch', () => {
    expect(() => new BatchBuilder(100).seal({ compression: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 })).toThrow();
  });
});
