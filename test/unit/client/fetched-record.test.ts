import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COMPRESSION_GZIP, COMPRESSION_NONE } from '../../../proto/constants.js';
import { InvalidRecordBatchError } from '../../../proto/errors.js';
import { decodeRecordBatch, encodeRecordBatch, stampBaseOffset } from '../../../proto/record-batch.js';
import { decodeFetchedBatch } from '../../../client/fetched-record.js';
import { PartitionFetchState } from '../../../client/partition-fetch-state.js';
import { keepRecords } from '../../helpers/compacted-batch.js';

const bytes = fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), { nil: null });
const record = fc.record({
  key: bytes,
  value: bytes,
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: bytes }), { maxLength: 3 }),
});

describe('decodeFetchedBatch', () => {
  it('yields the same records as decodeRecordBatch, compressed or not, after a given offset', () => {
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), fc.boolean(), fc.integer({ min: 0, max: 10 ** 9 }),
      fc.integer({ min: 0, max: 45 }), (records, gzip, baseOffset, skip) => {
        const batch = encodeRecordBatch(records, { compression: gzip ? COMPRESSION_GZIP : COMPRESSION_NONE });
        stampBaseOffset(batch, 0, baseOffset);
        const reference = decodeRecordBatch(batch).records.filter((r) => r.offset >= baseOffset + skip);
        const ours = decodeFetchedBatch(batch, 0, 't', 3, baseOffset + skip, true, false);
        expect(ours.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })))
          .toEqual(reference);
        for (const r of ours) expect([r.topic, r.partition]).toEqual(['t', 3]);
        // Sizes as stored, -1 for null, without materialising the fields.
        expect(ours.map((r) => [r.keySize, r.valueSize]))
          .toEqual(reference.map((r) => [r.key?.length ?? -1, r.value?.length ?? -1]));
      }), { numRuns: 300 });
  });

  it('decodes keys and values as UTF-8 strings on request', () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('clé'), value: Buffer.from('valeur €') }, { key: null, value: null }]);
    const [a, b] = decodeFetchedBatch(batch, 0, 't', 0, 0, true, true);
    expect([a!.key, a!.value, b!.key, b!.value]).toEqual(['clé', 'valeur €', null, null]);
    // Stored bytes, not string length: 'valeur €' is 8 characters in 10 bytes of UTF-8.
    expect([a!.keySize, a!.valueSize, b!.keySize, b!.valueSize]).toEqual([4, 10, -1, -1]);
  });

  it('finds a batch inside a larger buffer and serialises records with all their fields', () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 7, headers: [{ key: 'h', value: null }] }]);
    const buf = Buffer.concat([Buffer.alloc(13, 9), batch]);
    const [r] = decodeFetchedBatch(buf, 13, 't', 1, 0, true, true);
    expect(JSON.parse(JSON.stringify(r))).toEqual({
      topic: 't', partition: 1, offset: 0, timestamp: 7, key: 'k', value: 'v', headers: [{ key: 'h', value: null }], keySize: 1, valueSize: 1,
    });
    expect(inspect(r)).toContain("value: 'v'");
  });

  it('rejects a corrupted batch by its CRC, and a batch whose record framing lies', () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('hello') }, { value: Buffer.from('world') }]);
    const flipped = Buffer.from(batch);
    flipped[flipped.length - 3]! ^= 0xff;
    expect(() => decodeFetchedBatch(flipped, 0, 't', 0, 0, true, false)).toThrow(InvalidRecordBatchError);
    // With CRC checks off the framing checks still catch a record length pointing past the end.
    const lying = Buffer.from(batch);
    lying[61] = 0x7e; // first record claims 63 bytes
    expect(() => decodeFetchedBatch(lying, 0, 't', 0, 0, false, false)).toThrow(InvalidRecordBatchError);
  });

  it('refuses a batch whose record bytes were damaged exactly when decodeRecordBatch does, and otherwise agrees with it', () => {
    // CRC checks off, so the framing checks (and the inline one-byte varint reads) meet the damage.
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
      (records, damage) => {
        const batch = encodeRecordBatch(records);
        for (const [at, byte] of damage) batch[61 + (at % (batch.length - 61))] = byte;
        let reference: unknown;
        try {
          reference = decodeRecordBatch(batch, 0, false).records.map((r) => ({ offset: r.offset, key: r.key, value: r.value, headers: r.headers }));
        } catch (err) {
          reference = (err as Error).name;
        }
        let ours: unknown;
        try {
          ours = decodeFetchedBatch(batch, 0, 't', 0, 0, false, false).map((r) => ({ offset: r.offset, key: r.key, value: r.value, headers: r.headers }));
        } catch (err) {
          ours = (err as Error).name;
        }
        expect(ours).toEqual(reference);
      }), { numRuns: 1000 });
  });
});

describe('decodeFetchedBatch on compacted batches', () => {
  it('yields the surviving records at their own offsets, and nothing from a header-only batch', () => {
    const compact = (base: number, count: number, keep: number[]): Buffer => {
      const b = encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${base + i}`) })));
      stampBaseOffset(b, 0, base);
      return keepRecords(b, keep);
    };
    const first = compact(10, 5, [1, 4]);
    expect(decodeFetchedBatch(first, 0, 't', 0, 0, true, true).map((r) => [r.offset, r.value])).toEqual([[11, 'v11'], [14, 'v14']]);
    expect(decodeFetchedBatch(first, 0, 't', 0, 12, true, true).map((r) => r.offset)).toEqual([14]);
    // A fetch at 12 answered with [10,14] (holding 11 and 14), [15,16] emptied, then [20,21]: the
    // consumer hands out 14, 20, 21 and fetches next from 22.
    const st = new PartitionFetchState('t', 0, 12);
    st.addChunk(Buffer.concat([first, compact(15, 2, []), compact(20, 2, [0, 1])]));
    expect(st.fetchOffset).toBe(22);
    const seen: number[] = [];
    for (let d = st.decodeNextBatch(true, true); d !== null; d = st.decodeNextBatch(true, true)) {
      for (const r of d.records) {
        seen.push(r.offset);
        st.position = r.offset + 1;
      }
    }
    expect(seen).toEqual([14, 20, 21]);
  });
});
