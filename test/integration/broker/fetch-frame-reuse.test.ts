import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pb } from '../../../proto/messages.js';
import { decodeRecordBatch, encodeRecordBatch } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

// The broker recycles fetch frame buffers once ws has written them (broker/ws/ws-codec.ts).
// A buffer reused too early would show here as a response whose records are another one's bytes.
const BATCHES = 16;
const RECORDS_PER_BATCH = 40;
const VALUE_BYTES = 4_000; // ~160 KB batches; responses of up to ~2.4 MB, more than loopback socket buffers absorb
const PIPELINED_FETCHES = 24;

function valueOf(offset: number): Buffer {
  return Buffer.alloc(VALUE_BYTES, offset % 251);
}

describe('fetch frame buffer reuse', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker();
    c = await RawClient.connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'reuse', partitions: 1 }] } });
    for (let i = 0; i < BATCHES; i++) {
      const records = Array.from({ length: RECORDS_PER_BATCH }, (_, j) => ({ key: null, value: valueOf(i * RECORDS_PER_BATCH + j), timestamp: 1_700_000_000_000 }));
      const res = await c.request({ produce: { acks: pb.Acks.ACKS_ALL, timeoutMs: 5000,
        topics: [{ name: 'reuse', partitions: [{ partition: 0, records: encodeRecordBatch(records, { now: 1_700_000_000_000 }) }] }] } });
      expect(res.produce!.topics![0]!.partitions![0]!.error).toBeFalsy();
    }
  });
  afterAll(async () => {
    c?.close();
    await b?.stop();
  });

  it('serves every pipelined fetch its own records intact, frame after frame', async () => {
    for (let round = 0; round < 3; round++) {
      const fetchOffsets = Array.from({ length: PIPELINED_FETCHES }, (_, i) => ((i * 7 + round) % BATCHES) * RECORDS_PER_BATCH);
      const responses = await Promise.all(fetchOffsets.map((fetchOffset, i) => c.request({ fetch: { maxWaitMs: 0, minBytes: 0, maxBytes: 0,
        topics: [{ name: 'reuse', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: (1 + (i % 3)) * 800_000 }] }] } })));
      responses.forEach((res, i) => {
        const part = res.fetch!.topics![0]!.partitions![0]!;
        expect(part.error).toBeFalsy();
        const bytes = Buffer.from(part.records!);
        expect(bytes.length).toBeGreaterThan(0);
        const { records } = decodeRecordBatch(bytes, 0); // checks the CRC
        expect(records[0]!.offset).toBe(fetchOffsets[i]);
        for (const r of records) expect(r.value!.equals(valueOf(r.offset))).toBe(true);
      });
    }
  });
});
