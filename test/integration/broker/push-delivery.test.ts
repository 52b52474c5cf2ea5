import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/errors.js';
import { pb, type Response } from '../../../proto/messages.js';
import { decodeRecordBatch, encodeRecordBatch, readBatchHeader } from '../../../proto/record-batch.js';
import { SUBSCRIPTIONS_PER_CONNECTION_MAX } from '../../../broker/constants.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

// Subscription ids far above the correlation ids a test uses, so RawClient never mistakes a
// pushed frame for an answer.
let nextSubscriptionId = 100_000;

function batchOf(values: string[]): Buffer {
  return encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v) })));
}

function produceReq(topic: string, partitions: Array<{ partition: number; records: Buffer }>) {
  return { produce: { acks: pb.Acks.ACKS_ALL, timeoutMs: 5000, topics: [{ name: topic, partitions }] } };
}

function subscribeReq(subscriptionId: number, creditBytes: number, topic: string, parts: Array<{ partition: number; fetchOffset: number; partitionMaxBytes?: number }>) {
  return { subscribe: { subscriptionId, creditBytes, topics: [{ name: topic, partitions: parts.map((p) => ({ partitionMaxBytes: 0, ...p })) }] } };
}

function pushedOf(c: RawClient, subscriptionId: number): Response[] {
  return c.received.filter((r) => r.body === 'pushed' && r.correlationId === subscriptionId);
}

/** Every record value pushed for `partition` of subscription `id`, in arrival order, from offset `from`. */
function pushedValues(c: RawClient, id: number, partition: number, from = 0): string[] {
  const out: string[] = [];
  for (const r of pushedOf(c, id)) {
    for (const t of r.pushed!.topics ?? []) {
      for (const p of t.partitions ?? []) {
        if ((p.partition ?? 0) !== partition || !p.records || p.records.length === 0) continue;
        const buf = Buffer.from(p.records);
        let pos = 0;
        while (pos < buf.length) {
          const size = 12 + buf.readInt32BE(pos + 8);
          for (const rec of decodeRecordBatch(buf.subarray(pos, pos + size)).records) if (rec.offset >= from) out.push(rec.value!.toString());
          pos += size;
        }
      }
    }
  }
  return out;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('push delivery (subscribe)', () => {
  let b: TestBroker;
  let admin: RawClient;
  beforeAll(async () => {
    b = await startTestBroker();
    admin = await RawClient.connect(b.url);
    const res = await admin.request({ createTopics: { topics: [
      { name: 'tail', partitions: 3 }, { name: 'credit', partitions: 1 }, { name: 'mixed', partitions: 1 }, { name: 'doomed', partitions: 1 },
    ] } });
    expect(res.createTopics!.topics!.every((t) => !t.error)).toBe(true);
  });
  afterAll(async () => {
    admin.close();
    await b.stop();
  });

  it('streams every batch of every subscribed partition once and in order as the high watermark moves, several partitions a frame', async () => {
    const c = await RawClient.connect(b.url);
    const id = nextSubscriptionId++;
    const res = await c.request(subscribeReq(id, 64 * 1024 * 1024, 'tail', [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0 }))));
    expect(res.error).toBeNull();
    expect(res.body).toBe('subscribe');
    const rounds = 200;
    // 8 produce requests in flight at a time (well under the broker's in-flight limit), each with a batch per partition.
    for (let i = 0; i < rounds; i += 8) {
      const produced = await Promise.all(Array.from({ length: 8 }, (_, j) => admin.request(produceReq('tail',
        [0, 1, 2].map((partition) => ({ partition, records: batchOf([`p${partition}-${i + j}a`, `p${partition}-${i + j}b`]) }))))));
      expect(produced.every((r) => !r.error && r.produce!.topics![0]!.partitions!.every((p) => !p.error))).toBe(true);
    }
    await until(() => [0, 1, 2].every((p) => pushedValues(c, id, p).length >= 2 * rounds));
    for (const p of [0, 1, 2]) {
      const expected = Array.from({ length: rounds }, (_, i) => [`p${p}-${i}a`, `p${p}-${i}b`]).flat();
      expect(pushedValues(c, id, p)).toEqual(expected);
    }
    const frames = pushedOf(c, id);
    // One frame per turn for all partitions, not one per batch: fewer frames than batches.
    expect(frames.length).toBeLessThan(3 * rounds);
    expect(frames.some((f) => (f.pushed!.topics![0]!.partitions ?? []).length > 1)).toBe(true);
    const last = frames.at(-1)!.pushed!.topics![0]!.partitions!.at(-1)!;
    expect(last.highWatermark).toBeGreaterThan(0);
    c.close();
  });

  it('starts from the offset asked for, including what the log already holds', async () => {
    const c = await RawClient.connect(b.url);
    const id = nextSubscriptionId++;
    // Partition 0 of 'tail' holds 400 records from the previous test; start in its middle.
    await c.request(subscribeReq(id, 1 << 20, 'tail', [{ partition: 0, fetchOffset: 300 }]));
    await until(() => pushedValues(c, id, 0, 300).length >= 100);
    const values = pushedValues(c, id, 0, 300);
    expect(values[0]).toBe('p0-150a');
    expect(values).toHaveLength(100);
    c.close();
  });

  it('sends nothing past its credit (at most one batch over) and goes on when credit is returned', async () => {
    const c = await RawClient.connect(b.url);
    const id = nextSubscriptionId++;
    const value = 'x'.repeat(1000);
    for (let i = 0; i < 50; i++) await admin.request(produceReq('credit', [{ partition: 0, records: batchOf([`${i}:${value}`]) }]));
    const batchBytes = batchOf([`0:${value}`]).length;
    const stallsBefore = b.broker.stats.pushCreditStalls;
    await c.request(subscribeReq(id, 5 * batchBytes, 'credit', [{ partition: 0, fetchOffset: 0 }]));
    await until(() => pushedValues(c, id, 0).length >= 5);
    await new Promise((r) => setTimeout(r, 200));
    // The broker stopped at the credit: the other 45 batches are still only in the log.
    expect(pushedValues(c, id, 0)).toHaveLength(5);
    expect(b.broker.stats.pushCreditStalls).toBeGreaterThan(stallsBefore);
    c.send({ subscriptionCredit: { subscriptionId: id, creditBytes: 100 * batchBytes } });
    await until(() => pushedValues(c, id, 0).length >= 50);
    expect(pushedValues(c, id, 0).map((v) => Number(v.split(':')[0]))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Credit takes no answer: nothing but pushed frames and the subscribe answer came back.
    expect(c.received.filter((r) => r.body !== 'pushed')).toHaveLength(1);
    c.close();
  });

  it('serves fetches and a subscription side by side on one connection', async () => {
    const c = await RawClient.connect(b.url);
    const id = nextSubscriptionId++;
    await c.request(subscribeReq(id, 1 << 20, 'mixed', [{ partition: 0, fetchOffset: 0 }]));
    for (let i = 0; i < 20; i++) await admin.request(produceReq('mixed', [{ partition: 0, records: batchOf([`m${i}`]) }]));
    const fetched = await c.request({ fetch: { maxWaitMs: 0, minBytes: 0, maxBytes: 0, topics: [{ name: 'mixed', partitions: [{ partition: 0, fetchOffset: 10, partitionMaxBytes: 0 }] }] } });
    expect(fetched.body).toBe('fetch');
    const header = readBatchHeader(Buffer.from(fetched.fetch!.topics![0]!.partitions![0]!.records!));
    expect(header.baseOffset).toBe(10);
    await until(() => pushedValues(c, id, 0).length >= 20);
    expect(pushedValues(c, id, 0)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    // Unsubscribed: later batches are not pushed.
    const un = await c.request({ unsubscribe: { subscriptionId: id, topics: [] } });
    expect(un.error).toBeNull();
    await admin.request(produceReq('mixed', [{ partition: 0, records: batchOf(['after']) }]));
    await new Promise((r) => setTimeout(r, 100));
    expect(pushedValues(c, id, 0)).not.toContain('after');
    c.close();
  });

  it('answers bad subscribe requests with typed errors and ends refused partitions with their error, the broker unharmed', async () => {
    const c = await RawClient.connect(b.url);
    const zero = await c.request(subscribeReq(0, 1024, 'tail', [{ partition: 0, fetchOffset: 0 }]));
    expect(zero.error?.code).toBe(ErrorCode.INVALID_REQUEST);
    const badUnsub = await c.request({ unsubscribe: { subscriptionId: 7, topics: [{ name: '', partitions: [0] }] } });
    expect(badUnsub.error?.code).toBe(ErrorCode.INVALID_REQUEST);

    const id = nextSubscriptionId++;
    const res = await c.request({ subscribe: { subscriptionId: id, creditBytes: 1024, topics: [
      { name: 'no-such-topic', partitions: [{ partition: 0, fetchOffset: 0 }] },
      { name: 'tail', partitions: [{ partition: 9, fetchOffset: 0 }, { partition: 1, fetchOffset: -5 }, { partition: 2, fetchOffset: 1e12 }] },
    ] } });
    expect(res.error).toBeNull();
    const errorsOf = () => pushedOf(c, id).flatMap((f) => f.pushed!.topics!.flatMap((t) => (t.partitions ?? [])
      .filter((p) => p.error).map((p) => `${t.name}-${p.partition}:${p.error!.code}`)));
    await until(() => errorsOf().length >= 4);
    expect(errorsOf().sort()).toEqual([
      `no-such-topic-0:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
      `tail-1:${ErrorCode.OFFSET_OUT_OF_RANGE}`,
      `tail-2:${ErrorCode.OFFSET_OUT_OF_RANGE}`,
      `tail-9:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
    ].sort());

    // Past the per-connection limit of subscriptions (one is open already): LimitExceededError.
    for (let i = 1; i < SUBSCRIPTIONS_PER_CONNECTION_MAX; i++) {
      const ok = await c.request(subscribeReq(200_000 + i, 0, 'tail', [{ partition: 0, fetchOffset: 0 }]));
      expect(ok.error).toBeNull();
    }
    const over = await c.request(subscribeReq(300_000, 0, 'tail', [{ partition: 0, fetchOffset: 0 }]));
    expect(over.error?.code).toBe(ErrorCode.LIMIT_EXCEEDED);
    // Credit for an unknown subscription is ignored; a garbage frame is refused; the broker serves on.
    c.send({ subscriptionCredit: { subscriptionId: 424242, creditBytes: 1 } });
    c.sendRaw(Buffer.from([0x0a, 0xff, 0xff]));
    expect((await admin.request({ listTopics: {} })).listTopics!.names).toContain('tail');
    c.close();
  });

  it('ends the subscription of a deleted topic with its error', async () => {
    const c = await RawClient.connect(b.url);
    const id = nextSubscriptionId++;
    await c.request(subscribeReq(id, 1 << 20, 'doomed', [{ partition: 0, fetchOffset: 0 }]));
    await admin.request(produceReq('doomed', [{ partition: 0, records: batchOf(['one']) }]));
    await until(() => pushedValues(c, id, 0).length === 1);
    const del = await admin.request({ deleteTopics: { names: ['doomed'] } });
    expect(del.error).toBeNull();
    const errorCodes = () => pushedOf(c, id).flatMap((f) => f.pushed!.topics!.flatMap((t) => (t.partitions ?? []).filter((p) => p.error).map((p) => p.error!.code)));
    await until(() => errorCodes().length > 0, 5000);
    expect(errorCodes()).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    c.close();
  });
});
