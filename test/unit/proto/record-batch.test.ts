import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_HEADER_BYTES, COMPRESSION_GZIP, COMPRESSION_NONE } from '../../../proto/constants.js';
import { InvalidRecordBatchError, MessageTooLargeError } from '../../../proto/errors.js';
import {
  decodeRecordBatch, encodeRecordBatch, lastOffsetOf, OFFSET_CRC, readBatchHeader, stampBaseOffset,
  stampLeaderEpoch, validateBatch, validateBatches, type RecordInput,
} from '../../../proto/record-batch.js';

// kafkajs is an independent implementation of the same format: a dev dependency used only here.
const require = createRequire(import.meta.url);
const KafkaRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/index.js').RecordBatch;
const KafkaRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const kafkaDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const KafkaDecoder = require('kafkajs/src/protocol/decoder.js');
const Long = require('kafkajs/src/utils/long.js');

const T0 = 1_700_000_000_000;

/** Three records covering null key, null value, headers and non-monotonic timestamps. */
function sampleRecords(nullHeaderValue = true): RecordInput[] {
  return [
    { key: Buffer.from('k1'), value: Buffer.from('hello'), timestamp: T0 },
    { key: null, value: Buffer.from('world'), timestamp: T0 + 5, headers: [{ key: 'h', value: Buffer.from('v') }] },
    // kafkajs's encoder cannot write a null header value, so inputs it encodes use an empty one.
    { key: Buffer.from('k3'), value: null, timestamp: T0 + 2, headers: [{ key: 'n', value: nullHeaderValue ? null : Buffer.alloc(0) }] },
  ];
}

async function kafkajsEncode(records: RecordInput[], opts: { compression?: number; baseOffset?: number } = {}): Promise<Buffer> {
  const base = records[0]!.timestamp!;
  const encoder = await KafkaRecordBatch({
    compression: opts.compression ?? 0,
    firstOffset: Long.fromNumber(opts.baseOffset ?? 0),
    firstTimestamp: base,
    maxTimestamp: Math.max(...records.map((r) => r.timestamp!)),
    partitionLeaderEpoch: -1,
    lastOffsetDelta: records.length - 1,
    producerId: Long.fromNumber(-1),
    producerEpoch: -1,
    firstSequence: -1,
    records: records.map((r, i) => KafkaRecord({
      offsetDelta: i,
      timestampDelta: r.timestamp! - base,
      key: r.key ?? null,
      value: r.value,
      headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, h.value])),
    })),
  });
  return encoder.buffer as Buffer;
}

async function kafkajsDecode(buf: Buffer) {
  return kafkaDecodeBatch(new KafkaDecoder(buf));
}

describe('RecordBatch v2 codec', () => {
  it('encodes byte-for-byte what kafkajs encodes', async () => {
    const ours = encodeRecordBatch(sampleRecords(false), { partitionLeaderEpoch: -1 });
    const theirs = await kafkajsEncode(sampleRecords(false));
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });

  it('matches a golden byte string', () => {
    // Produced once by kafkajs's encoder for this exact input; kept literal so the format cannot
    // drift even if the reference library changes.
    const golden = '00000000000000000000003f00000000025028da910000000000000000018bcfe568000000018bcfe568'
      + '00ffffffffffffffffffffffffffff000000011a000000046b310a68656c6c6f00';
    const batch = encodeRecordBatch([{ key: Buffer.from('k1'), value: Buffer.from('hello'), timestamp: T0 }], { partitionLeaderEpoch: 0 });
    expect(batch.toString('hex')).toBe(golden);
  });

  it('is decoded by kafkajs with the same records', async () => {
    const batch = encodeRecordBatch(sampleRecords(), { baseOffset: 42 });
    const decoded = await kafkajsDecode(batch);
    expect(decoded.firstOffset).toBe('42');
    expect(decoded.records.map((r: { offset: string }) => r.offset)).toEqual(['42', '43', '44']);
    expect(decoded.records[0].value.toString()).toBe('hello');
    expect(decoded.records[1].key).toBeNull();
    expect(decoded.records[1].headers.h.toString()).toBe('v');
    expect(decoded.records[2].value).toBeNull();
    expect(decoded.records.map((r: { timestamp: string }) => Number(r.timestamp))).toEqual([T0, T0 + 5, T0 + 2]);
  });

  it('decodes what kafkajs encodes, gzip included', async () => {
    for (const compression of [COMPRESSION_NONE, COMPRESSION_GZIP]) {
      const theirs = await kafkajsEncode(sampleRecords(false), { compression, baseOffset: 7 });
      const { header, records } = decodeRecordBatch(theirs);
      expect(header.recordsCount).toBe(3);
      expect(records.map((r) => r.offset)).toEqual([7, 8, 9]);
      expect(records.map((r) => r.value?.toString() ?? null)).toEqual(['hello', 'world', null]);
      expect(records[1]!.headers).toEqual([{ key: 'h', value: Buffer.from('v') }]);
      expect(records[2]!.headers).toEqual([{ key: 'n', value: Buffer.alloc(0) }]);
      expect(records.map((r) => r.timestamp)).toEqual([T0, T0 + 5, T0 + 2]);
    }
  });

  it('round-trips gzip batches through kafkajs', async () => {
    const batch = encodeRecordBatch(sampleRecords(), { compression: COMPRESSION_GZIP });
    const decoded = await kafkajsDecode(batch);
    expect(decoded.records.map((r: { value: Buffer | null }) => r.value?.toString() ?? null)).toEqual(['hello', 'world', null]);
  });

  it('round-trips arbitrary records', () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null }),
      value: fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { nil: null }),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
      headers: fc.array(fc.record({
        key: fc.string({ maxLength: 10 }),
        value: fc.option(fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)), { nil: null }),
      }), { maxLength: 3 }),
    });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 50 }),
      (records, gzip, baseOffset) => {
        const batch = encodeRecordBatch(records, { compression: gzip ? COMPRESSION_GZIP : COMPRESSION_NONE, baseOffset });
        const { records: out } = decodeRecordBatch(batch);
        expect(out).toHaveLength(records.length);
        out.forEach((r, i) => {
          expect(r.offset).toBe(baseOffset + i);
          expect(r.timestamp).toBe(records[i]!.timestamp);
          expect(r.key).toEqual(records[i]!.key);
          expect(r.value).toEqual(records[i]!.value);
          expect(r.headers).toEqual(records[i]!.headers);
        });
      }), { numRuns: 150 });
  });
});

describe('batch header handling', () => {
  it('stamping the base offset and leader epoch keeps the CRC valid', () => {
    const batch = encodeRecordBatch(sampleRecords());
    stampBaseOffset(batch, 0, 2 ** 40 + 17);
    stampLeaderEpoch(batch, 0, 9);
    expect(validateBatch(batch)).toBe(batch.length);
    const header = readBatchHeader(batch);
    expect(header.baseOffset).toBe(2 ** 40 + 17);
    expect(header.partitionLeaderEpoch).toBe(9);
    expect(lastOffsetOf(batch)).toBe(2 ** 40 + 19);
  });

  it('splits back-to-back batches into spans', () => {
    const a = encodeRecordBatch(sampleRecords());
    const b = encodeRecordBatch([{ value: Buffer.from('x') }]);
    expect(validateBatches(Buffer.concat([a, b]))).toEqual([{ pos: 0, size: a.length }, { pos: a.length, size: b.length }]);
  });
});

describe('batch validation rejects bad input', () => {
  const good = () => encodeRecordBatch(sampleRecords());

  it('rejects a flipped byte anywhere the CRC covers', () => {
    const batch = good();
    for (let i = OFFSET_CRC + 4; i < batch.length; i++) {
      const bad = Buffer.from(batch);
      bad[i]! ^= 0x40;
      expect(() => validateBatch(bad), `byte ${i}`).toThrow(InvalidRecordBatchError);
    }
  });

  it('rejects a wrong CRC', () => {
    const batch = good();
    batch.writeUInt32BE((batch.readUInt32BE(OFFSET_CRC) + 1) >>> 0, OFFSET_CRC);
    expect(() => validateBatch(batch)).toThrow(/CRC/);
  });

  it('rejects wrong magic', () => {
    const batch = good();
    batch[16] = 1;
    expect(() => validateBatch(batch)).toThrow(/magic/);
  });

  it('rejects every truncation', () => {
    const batch = good();
    for (let len = 0; len < batch.length; len++) {
      expect(() => validateBatch(batch.subarray(0, len)), `length ${len}`).toThrow(InvalidRecordBatchError);
    }
  });

  it('rejects a declared length shorter than a header or larger than the limit', () => {
    const short = good();
    short.writeInt32BE(10, 8);
    expect(() => validateBatch(short)).toThrow(InvalidRecordBatchError);
    const huge = good();
    huge.writeInt32BE(0x7fffffff, 8);
    expect(() => validateBatch(huge)).toThrow(MessageTooLargeError);
  });

  it('rejects trailing garbage after the last batch', () => {
    expect(() => validateBatches(Buffer.concat([good(), Buffer.from([1, 2, 3])]))).toThrow(InvalidRecordBatchError);
  });

  it('rejects an empty payload', () => {
    expect(() => validateBatches(Buffer.alloc(0))).toThrow(InvalidRecordBatchError);
  });

  it('rejects lying record counts even when the CRC is recomputed', async () => {
    const { crc32c } = await import('../../../proto/crc32c.js');
    for (const count of [0, -1, 4, 1_000_000]) {
      const batch = good();
      batch.writeInt32BE(count, 57);
      batch.writeUInt32BE(crc32c(batch.subarray(21)), OFFSET_CRC);
      expect(() => validateBatch(batch), `count ${count}`).toThrow(InvalidRecordBatchError);
    }
  });

  it('rejects a record whose length overruns its batch when decoding', async () => {
    const { crc32c } = await import('../../../proto/crc32c.js');
    const batch = good();
    batch[BATCH_HEADER_BYTES] = 0x7e; // first record claims 63 bytes
    batch.writeUInt32BE(crc32c(batch.subarray(21)), OFFSET_CRC);
    expect(() => decodeRecordBatch(batch)).toThrow(InvalidRecordBatchError);
  });

  it('rejects an unknown compression codec', async () => {
    const { crc32c } = await import('../../../proto/crc32c.js');
    const batch = good();
    batch.writeInt16BE(5, 21); // ids 5-7 of the 3 compression bits are unassigned
    batch.writeUInt32BE(crc32c(batch.subarray(21)), OFFSET_CRC);
    expect(() => validateBatch(batch)).toThrow(/codec 5/);
  });
});
