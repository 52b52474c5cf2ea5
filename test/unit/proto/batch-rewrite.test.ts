/**
 * Rewriting a batch to keep some of its records (what the log cleaner does): offsets, timestamps,
 * headers and producer fields survive, the CRC is valid, and both Strata's decoder and an
 * independent one (kafkajs) read the compacted batch the same way.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyBatch } from '../../../proto/batch-rewrite.js';
import { COMPRESSION_GZIP, COMPRESSION_NONE } from '../../../proto/constants.js';
import { InvalidRecordBatchError } from '../../../proto/errors.js';
import {
  batchTotalBytes, checkRecordFraming, decodeRecordBatch, encodeRecordBatch, readBatchHeader, validateBatch, validateBatches,
  type RecordInput,
} from '../../../proto/record-batch.js';

import { keepRecords } from '../../helpers/compacted-batch.js';

const require = createRequire(import.meta.url);
const kafkaDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const KafkaDecoder = require('kafkajs/src/protocol/decoder.js');

const T0 = 1_700_000_000_000;

const rewrite = keepRecords;

const producer = { producerId: 77, producerEpoch: 3, baseSequence: 40, baseOffset: 1000, partitionLeaderEpoch: 9 };

describe('batch rewrite', () => {
  it('keeps the chosen records at their offsets with a valid CRC and the header fields', () => {
    const input: RecordInput[] = [0, 1, 2, 3, 4].map((i) => ({
      key: Buffer.from(`k${i}`), value: i === 3 ? null : Buffer.from(`v${i}`), timestamp: T0 + i * 10,
      headers: [{ key: 'h', value: Buffer.from(`x${i}`) }],
    }));
    const original = encodeRecordBatch(input, producer);
    const out = rewrite(original, [1, 3]);
    expect(validateBatch(out, 0, undefined, 'compacted')).toBe(out.length);
    expect(() => validateBatch(out)).toThrow(InvalidRecordBatchError); // not what a producer may send
    checkRecordFraming(out, 0, out.length, 'compacted');
    expect(() => checkRecordFraming(out, 0, out.length)).toThrow(InvalidRecordBatchError);
    const before = readBatchHeader(original);
    const after = readBatchHeader(out);
    expect({ ...after, batchLength: 0, crc: 0, recordsCount: 0 }).toEqual({ ...before, batchLength: 0, crc: 0, recordsCount: 0 });
    expect(after.recordsCount).toBe(2);
    const { records } = decodeRecordBatch(out);
    expect(records.map((r) => [r.offset, r.key?.toString(), r.value?.toString() ?? null, r.timestamp, r.headers[0]!.value!.toString()]))
      .toEqual([[1001, 'k1', 'v1', T0 + 10, 'x1'], [1003, 'k3', null, T0 + 30, 'x3']]);
  });

  it('returns the original bytes when every record stays', () => {
    const original = encodeRecordBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }]);
    expect(rewrite(original, [0])).toEqual(original);
  });

  it('empties a batch to a header that keeps its offsets and producer and drops compression', () => {
    const original = encodeRecordBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: Buffer.from('b'), value: null }],
      { ...producer, compression: COMPRESSION_GZIP });
    for (const out of [rewrite(original, []), emptyBatch(original, 0)]) {
      validateBatch(out, 0, undefined, 'compacted');
      const h = readBatchHeader(out);
      expect(h).toMatchObject({ baseOffset: 1000, lastOffsetDelta: 1, recordsCount: 0, producerId: 77, producerEpoch: 3, baseSequence: 40 });
      expect(h.attributes & 0x07).toBe(COMPRESSION_NONE);
      expect(decodeRecordBatch(out).records).toEqual([]);
      expect(() => validateBatches(out)).toThrow(InvalidRecordBatchError);
      expect(validateBatches(out, undefined, 'compacted')).toEqual([{ pos: 0, size: out.length }]);
    }
  });

  it('refuses stored batches whose offsets go backwards or past lastOffsetDelta, in either layout', () => {
    const original = encodeRecordBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    const tampered = Buffer.from(original);
    tampered.writeInt32BE(0, 23); // lastOffsetDelta 0, but the second record says 1
    for (const layout of ['dense', 'compacted'] as const) {
      expect(() => validateBatches(tampered, undefined, layout)).toThrow(InvalidRecordBatchError);
    }
  });

  it('matches the kept subset for any records, keep mask and codec; kafkajs reads the same offsets', async () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)), { nil: null }),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    });
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(record, fc.boolean()), { minLength: 1, maxLength: 40 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 40 }),
      async (items, gzip, baseOffset) => {
        const original = encodeRecordBatch(items.map(([r]) => r), { baseOffset, compression: gzip ? COMPRESSION_GZIP : COMPRESSION_NONE });
        const keepIdx = items.flatMap(([, k], i) => (k ? [i] : []));
        const out = rewrite(original, keepIdx);
        expect(batchTotalBytes(out)).toBe(out.length);
        validateBatch(out, 0, undefined, 'compacted');
        const { records } = decodeRecordBatch(out);
        expect(records.map((r) => r.offset)).toEqual(keepIdx.map((i) => baseOffset + i));
        expect(records.map((r) => r.value)).toEqual(keepIdx.map((i) => items[i]![0].value));
        expect(records.map((r) => r.key)).toEqual(keepIdx.map((i) => items[i]![0].key));
        const theirs = await kafkaDecodeBatch(new KafkaDecoder(out));
        expect(theirs.records.map((r: { offset: string }) => Number(r.offset))).toEqual(keepIdx.map((i) => baseOffset + i));
      },
    ), { numRuns: 150 });
  });
});
