import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/errors.js';
import { pb, type Response } from '../../../proto/messages.js';
import { decodeRecordBatch, encodeRecordBatch, readBatchHeader, OFFSET_CRC } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

function batchOf(values: string[], now = 1_700_000_000_000): Buffer {
  return encodeRecordBatch(values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: now + i })), { now });
}

function produceReq(topic: string, partition: number, records: Buffer, acks = pb.Acks.ACKS_ALL) {
  return { produce: { acks, timeoutMs: 5000, topics: [{ name: topic, partitions: [{ partition, records }] }] } };
}

function fetchReq(topic: string, partition: number, fetchOffset: number, extra: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number } = {}) {
  return { fetch: { maxWaitMs: extra.maxWaitMs ?? 0, minBytes: extra.minBytes ?? 0, maxBytes: extra.maxBytes ?? 0,
    topics: [{ name: topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: extra.partitionMaxBytes ?? 0 }] }] } };
}

function producePart(res: Response) {
  return res.produce!.topics![0]!.partitions![0]!;
}
function fetchPart(res: Response) {
  return res.fetch!.topics![0]!.partitions![0]!;
}

describe('broker produce and fetch', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker();
    c = await RawClient.connect(b.url);
    const res = await c.request({ createTopics: { topics: [
      { name: 'data', partitions: 2 },
      { name: 'fast', partitions: 1, config: { flushPolicy: pb.FlushPolicy.FLUSH_POLICY_NEVER } },
      { name: 'multi', partitions: 3 },
    ] } });
    expect(res.createTopics!.topics!.every((t) => !t.error)).toBe(true);
  });
  afterAll(async () => {
    c?.close();
    await b?.stop();
  });

  it('appends with acks=all, assigns offsets, and serves the same bytes back with offsets stamped', async () => {
    const first = batchOf(['a', 'b', 'c']);
    const second = batchOf(['d', 'e']);
    const r1 = producePart(await c.request(produceReq('data', 0, first)));
    expect(r1).toMatchObject({ partition: 0, baseOffset: 0, lastOffset: 2, logStartOffset: 0 });
    expect(r1.error).toBeFalsy();
    expect(Number(r1.logAppendTimeMs)).toBeGreaterThan(0);
    const r2 = producePart(await c.request(produceReq('data', 0, second)));
    expect(r2).toMatchObject({ baseOffset: 3, lastOffset: 4 });

    const f = fetchPart(await c.request(fetchReq('data', 0, 0)));
    expect(f.error).toBeFalsy();
    expect(f).toMatchObject({ highWatermark: 5, logStartOffset: 0 });
    const bytes = Buffer.from(f.records!);
    expect(bytes.length).toBe(first.length + second.length);
    // Byte for byte from the CRC on (the broker stamps only baseOffset and leader epoch, which the CRC does not cover).
    expect(bytes.subarray(OFFSET_CRC, first.length).equals(first.subarray(OFFSET_CRC))).toBe(true);
    expect(bytes.subarray(first.length + OFFSET_CRC).equals(second.subarray(OFFSET_CRC))).toBe(true);
    expect(readBatchHeader(bytes, 0).baseOffset).toBe(0);
    expect(readBatchHeader(bytes, first.length).baseOffset).toBe(3);
    const decoded = decodeRecordBatch(bytes, first.length);
    expect(decoded.records.map((r) => [r.offset, r.value!.toString()])).toEqual([[3, 'd'], [4, 'e']]);

    // From the middle of a batch: the whole containing batch comes back.
    const mid = fetchPart(await c.request(fetchReq('data', 0, 4)));
    expect(readBatchHeader(Buffer.from(mid.records!), 0).baseOffset).toBe(3);
  });

  it('answers acks=leader after the write', async () => {
    const r = producePart(await c.request(produceReq('data', 1, batchOf(['x']), pb.Acks.ACKS_LEADER)));
    expect(r).toMatchObject({ baseOffset: 0, lastOffset: 0 });
  });

  it('sends no response at all for acks=none, yet appends', async () => {
    const id = c.send(produceReq('fast', 0, batchOf(['silent']), pb.Acks.ACKS_NONE));
    const failing = c.send(produceReq('no-such-topic', 0, batchOf(['lost']), pb.Acks.ACKS_NONE));
    const after = await c.request({ listTopics: {} });
    expect(after.listTopics).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.received.some((r) => r.correlationId === id || r.correlationId === failing)).toBe(false);
    const f = fetchPart(await c.request(fetchReq('fast', 0, 0)));
    expect(decodeRecordBatch(Buffer.from(f.records!)).records[0]!.value!.toString()).toBe('silent');
  });

  it('reports unknown topics and partitions per partition', async () => {
    const res = await c.request({ produce: { acks: pb.Acks.ACKS_ALL, topics: [
      { name: 'nope', partitions: [{ partition: 0, records: batchOf(['x']) }] },
      { name: 'data', partitions: [{ partition: 9, records: batchOf(['x']) }, { partition: 1, records: batchOf(['ok']) }] },
    ] } });
    expect(res.error).toBeFalsy();
    const [nope, data] = res.produce!.topics!;
    expect(nope!.partitions![0]!.error).toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: 'UnknownTopicError' });
    expect(data!.partitions![0]!.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(data!.partitions![1]!.error).toBeFalsy();

    const f = await c.request(fetchReq('nope', 0, 0, { maxWaitMs: 5000, minBytes: 1 }));
    expect(fetchPart(f).error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('refuses corrupt and empty batches without appending anything', async () => {
    const good = batchOf(['fine']);
    const bad = Buffer.from(batchOf(['corrupt']));
    bad[bad.length - 1]! ^= 0xff; // breaks the CRC
    const before = fetchPart(await c.request(fetchReq('data', 1, 0))).highWatermark;
    const r = producePart(await c.request(produceReq('data', 1, Buffer.concat([good, bad]))));
    expect(r.error).toMatchObject({ code: ErrorCode.INVALID_RECORD_BATCH });
    const empty = producePart(await c.request(produceReq('data', 1, Buffer.alloc(0))));
    expect(empty.error?.code).toBe(ErrorCode.INVALID_RECORD_BATCH);
    const truncated = producePart(await c.request(produceReq('data', 1, good.subarray(0, 30))));
    expect(truncated.error?.code).toBe(ErrorCode.INVALID_RECORD_BATCH);
    expect(fetchPart(await c.request(fetchReq('data', 1, 0))).highWatermark).toBe(before);
  });

  it('answers an offset past the end with OffsetOutOfRangeError carrying the valid range', async () => {
    const hw = Number(fetchPart(await c.request(fetchReq('data', 0, 0))).highWatermark);
    for (const offset of [hw + 1, hw + 1000, -5]) {
      const f = fetchPart(await c.request(fetchReq('data', 0, offset, { maxWaitMs: 5000, minBytes: 1 })));
      expect(f.error, `offset ${offset}`).toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE, name: 'OffsetOutOfRangeError' });
      expect(f).toMatchObject({ logStartOffset: 0, highWatermark: hw });
    }
    // Exactly at the end is not out of range: empty, after the (short) wait.
    const atEnd = fetchPart(await c.request(fetchReq('data', 0, hw, { maxWaitMs: 20, minBytes: 1 })));
    expect(atEnd.error).toBeFalsy();
    expect(atEnd.records!.length).toBe(0);
  });

  it('lists earliest, latest and by-timestamp offsets', async () => {
    const res = await c.request({ listOffsets: { topics: [{ name: 'data', partitions: [
      { partition: 0, timestamp: -2 }, { partition: 0, timestamp: -1 }, { partition: 0, timestamp: 1_700_000_000_001 },
      { partition: 0, timestamp: 9_000_000_000_000 },
    ] }, { name: 'nope', partitions: [{ partition: 0, timestamp: -1 }] }] } });
    const [earliest, latest, byTime, future] = res.listOffsets!.topics![0]!.partitions!;
    expect(Number(earliest!.offset)).toBe(0);
    expect(Number(latest!.offset)).toBe(5);
    expect(Number(byTime!.offset)).toBeLessThanOrEqual(1); // the batch holding that timestamp starts at 0
    expect(Number(byTime!.offset)).toBeGreaterThanOrEqual(0);
    expect(Number(future!.offset)).toBe(-1);
    expect(res.listOffsets!.topics![1]!.partitions![0]!.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('bounds a fetch by maxBytes across partitions, but always returns the first batch', async () => {
    const big = batchOf(Array.from({ length: 50 }, () => 'v'.repeat(100))); // ~5 KiB
    for (let p = 0; p < 3; p++) await c.request(produceReq('multi', p, big));
    const all = { fetch: { maxWaitMs: 0, minBytes: 0, maxBytes: 100, topics: [{ name: 'multi', partitions: [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0 })) }] } };
    const res = await c.request(all);
    const sizes = res.fetch!.topics![0]!.partitions!.map((p) => p.records!.length);
    expect(sizes).toEqual([big.length, 0, 0]);
    const roomy = await c.request({ fetch: { ...all.fetch, maxBytes: 2 * big.length + 10 } });
    expect(roomy.fetch!.topics![0]!.partitions!.map((p) => p.records!.length)).toEqual([big.length, big.length, 0]);
    expect(roomy.fetch!.topics![0]!.partitions!.map((p) => Number(p.highWatermark))).toEqual([50, 50, 50]);
  });

  it('wakes a long-poll fetch at the end of the log within milliseconds of a produce', async () => {
    const consumer = await RawClient.connect(b.url);
    const producer = await RawClient.connect(b.url);
    const samples: number[] = [];
    let offset = Number(fetchPart(await c.request(fetchReq('fast', 0, 0))).highWatermark);
    for (let i = 0; i < 15; i++) {
      const fetchId = consumer.send(fetchReq('fast', 0, offset, { maxWaitMs: 5000, minBytes: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 10)); // let the fetch park
      expect(consumer.received.some((r) => r.correlationId === fetchId)).toBe(false);
      const sent = performance.now();
      producer.send(produceReq('fast', 0, batchOf([`wake-${i}`]), pb.Acks.ACKS_LEADER));
      const f = fetchPart(await consumer.responseTo(fetchId));
      samples.push(performance.now() - sent);
      const records = decodeRecordBatch(Buffer.from(f.records!)).records;
      expect(records[0]!.value!.toString()).toBe(`wake-${i}`);
      offset = records[0]!.offset + 1;
    }
    samples.sort((x, y) => x - y);
    const median = samples[Math.floor(samples.length / 2)]!;
    // Produce send → fetch response received, over loopback, including both requests' codec work.
    console.log(`long-poll wake latency (send produce → fetch answered): median ${median.toFixed(2)} ms, max ${samples[samples.length - 1]!.toFixed(2)} ms`);
    expect(median).toBeLessThan(100);
    consumer.close();
    producer.close();
  });

  it('answers a long poll with an empty result once maxWaitMs passes', async () => {
    const hw = Number(fetchPart(await c.request(fetchReq('data', 1, 0))).highWatermark);
    const started = performance.now();
    const f = fetchPart(await c.request(fetchReq('data', 1, hw, { maxWaitMs: 150, minBytes: 1 })));
    const waited = performance.now() - started;
    expect(f.records!.length).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2000);
  });

  it('answers a parked fetch with UnknownTopicError when its topic is deleted meanwhile', async () => {
    await c.request({ createTopics: { topics: [{ name: 'doomed' }] } });
    const consumer = await RawClient.connect(b.url);
    const id = consumer.send(fetchReq('doomed', 0, 0, { maxWaitMs: 300, minBytes: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await c.request({ deleteTopics: { names: ['doomed'] } });
    const f = fetchPart(await consumer.responseTo(id));
    expect(f.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    consumer.close();
  });

  it('drops a parked fetch when its connection closes', async () => {
    const consumer = await RawClient.connect(b.url);
    const partition = b.broker.topics!.getPartition('data', 1)!;
    const before = partition.waiterCount;
    consumer.send(fetchReq('data', 1, Number(partition.highWatermark), { maxWaitMs: 10_000, minBytes: 1 }));
    // Polled, not slept: on a loaded box the fetch can take longer than any fixed pause to park.
    await expect.poll(() => partition.waiterCount, { timeout: 5_000, interval: 10 }).toBe(before + 1);
    consumer.close();
    await consumer.closed;
    await expect.poll(() => partition.waiterCount, { timeout: 5_000, interval: 10 }).toBe(before);
  });
});
