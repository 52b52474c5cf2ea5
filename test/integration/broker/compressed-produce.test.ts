/**
 * The broker inflates compressed batches only to check their record framing, within a bound:
 * each codec's batches are accepted and served back as they came, a batch that inflates past
 * RECORDS_SECTION_BYTES_MAX is refused before it is inflated, and a compressed section whose
 * CRC is right but whose bytes are not a valid stream is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionId, COMPRESSION_NAMES } from '../../../proto/compression.js';
import { BATCH_HEADER_BYTES, RECORDS_SECTION_BYTES_MAX } from '../../../proto/constants.js';
import { crc32c } from '../../../proto/crc32c.js';
import { ErrorCode } from '../../../proto/errors.js';
import { pb, type Response } from '../../../proto/messages.js';
import { decodeRecordBatch, encodeRecordBatch, OFFSET_CRC } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

function produceReq(topic: string, records: Buffer) {
  return { produce: { acks: pb.Acks.ACKS_ALL, timeoutMs: 5000, topics: [{ name: topic, partitions: [{ partition: 0, records }] }] } };
}
function producePart(res: Response) {
  return res.produce!.topics![0]!.partitions![0]!;
}

describe('broker and compressed batches', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker();
    c = await RawClient.connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'z', partitions: 1 }] } });
  });
  afterAll(async () => {
    c?.close();
    await b?.stop();
  });

  it('accepts a batch of every codec and serves it back byte for byte, offsets stamped', async () => {
    let next = 0;
    for (const name of COMPRESSION_NAMES) {
      const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`${name} record ${i} `.repeat(10)));
      const batch = encodeRecordBatch(values.map((value) => ({ value })), { compression: compressionId(name) });
      const r = producePart(await c.request(produceReq('z', batch)));
      expect(r.error ?? null, name).toBeNull();
      expect(Number(r.baseOffset)).toBe(next);
      const f = await c.request({ fetch: { maxWaitMs: 0, minBytes: 0, maxBytes: 0,
        topics: [{ name: 'z', partitions: [{ partition: 0, fetchOffset: next, partitionMaxBytes: 0 }] }] } });
      const got = Buffer.from(f.fetch!.topics![0]!.partitions![0]!.records!);
      const { records } = decodeRecordBatch(got.subarray(0, batch.length));
      expect(records.map((rec) => rec.value!.toString())).toEqual(values.map((v) => v.toString()));
      expect(got.subarray(BATCH_HEADER_BYTES, batch.length).equals(batch.subarray(BATCH_HEADER_BYTES))).toBe(true);
      next += 50;
    }
  });

  it('refuses a batch that would inflate past RECORDS_SECTION_BYTES_MAX with MessageTooLargeError', async () => {
    const value = Buffer.alloc(RECORDS_SECTION_BYTES_MAX + 1024);
    for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const bomb = encodeRecordBatch([{ value }], { compression: compressionId(name) });
      expect(bomb.length, name).toBeLessThan(4 << 20);
      const r = producePart(await c.request(produceReq('z', bomb)));
      expect(r.error?.code, name).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    }
  });

  it('refuses a compressed section that is not a valid stream, even with a correct CRC', async () => {
    for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const batch = encodeRecordBatch([{ value: Buffer.from('x'.repeat(500)) }], { compression: compressionId(name) });
      for (let i = BATCH_HEADER_BYTES + 4; i < batch.length - 4; i += 3) batch[i]! ^= 0x33;
      batch.writeUInt32BE(crc32c(batch.subarray(21)), OFFSET_CRC);
      const r = producePart(await c.request(produceReq('z', batch)));
      expect([ErrorCode.INVALID_RECORD_BATCH, ErrorCode.MESSAGE_TOO_LARGE], name).toContain(r.error?.code);
    }
  });
});
