import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/errors.js';
import { pb, type Response } from '../../../proto/messages.js';
import { decodeRecordBatch, encodeRecordBatch } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

function idempotentBatch(producerId: number, baseSequence: number, values: string[], producerEpoch = 0): Buffer {
  return encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v) })), { producerId, producerEpoch, baseSequence });
}

function produce(topic: string, records: Buffer) {
  return { produce: { acks: pb.Acks.ACKS_ALL, timeoutMs: 5000, topics: [{ name: topic, partitions: [{ partition: 0, records }] }] } };
}

function part(res: Response) {
  return res.produce!.topics![0]!.partitions![0]!;
}

async function readAll(c: RawClient, topic: string): Promise<string[]> {
  const res = await c.request({ fetch: { maxWaitMs: 0, minBytes: 0, topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset: 0 }] }] } });
  const buf = Buffer.from(res.fetch!.topics![0]!.partitions![0]!.records!);
  const values: string[] = [];
  for (let pos = 0; pos < buf.length;) {
    const { header, records } = decodeRecordBatch(buf, pos);
    values.push(...records.map((r) => r.value!.toString()));
    pos += 12 + header.batchLength;
  }
  return values;
}

describe('idempotent produce and restart', () => {
  let b: TestBroker | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await b?.stop();
    b = undefined;
  });
  async function connect(url: string): Promise<RawClient> {
    const c = await RawClient.connect(url);
    clients.push(c);
    return c;
  }

  it('answers a retried batch with its original offsets and appends it once', async () => {
    b = await startTestBroker();
    const c = await connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'idem' }] } });
    const init = await c.request({ initProducerId: {} });
    const pid = Number(init.initProducerId!.producerId);
    expect(init.initProducerId!.producerEpoch).toBe(0);

    const first = part(await c.request(produce('idem', idempotentBatch(pid, 0, ['a', 'b']))));
    expect(first).toMatchObject({ baseOffset: 0, lastOffset: 1 });
    const retry = part(await c.request(produce('idem', idempotentBatch(pid, 0, ['a', 'b']))));
    expect(retry.error).toBeFalsy();
    expect(retry).toMatchObject({ baseOffset: 0, lastOffset: 1 });

    // Concurrent retries of the next batch: exactly one append.
    const next = idempotentBatch(pid, 2, ['c']);
    const racing = await Promise.all([1, 2, 3].map(() => c.request(produce('idem', Buffer.from(next)))));
    expect(racing.map((r) => [Number(part(r).baseOffset), part(r).error ?? null])).toEqual([[2, null], [2, null], [2, null]]);

    const gap = part(await c.request(produce('idem', idempotentBatch(pid, 7, ['z']))));
    expect(gap.error).toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE, name: 'OutOfOrderSequenceError' });

    // A non-idempotent batch (producerId -1) is never checked.
    const plain = encodeRecordBatch([{ value: Buffer.from('p') }]);
    expect(part(await c.request(produce('idem', plain))).baseOffset).toBe(3);
    expect(part(await c.request(produce('idem', plain))).baseOffset).toBe(4);

    expect(await readAll(c, 'idem')).toEqual(['a', 'b', 'c', 'p', 'p']);

    const other = Number((await c.request({ initProducerId: {} })).initProducerId!.producerId);
    expect(other).not.toBe(pid);
  });

  it('keeps topics and records across a restart and still recognizes retries', async () => {
    b = await startTestBroker();
    let c = await connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'durable', partitions: 2, config: { segmentBytes: 4096 } }] } });
    const pid = Number((await c.request({ initProducerId: {} })).initProducerId!.producerId);
    for (let seq = 0; seq < 20; seq++) {
      const r = part(await c.request(produce('durable', idempotentBatch(pid, seq, [`v${seq}-${'x'.repeat(300)}`]))));
      expect(r.error).toBeFalsy();
    }
    const before = await readAll(c, 'durable');

    b = await b.restart();
    c = await connect(b.url);
    expect((await c.request({ listTopics: {} })).listTopics!.names).toEqual(['durable']);
    const meta = await c.request({ metadata: { topics: ['durable'] } });
    expect(meta.metadata!.topics![0]!.partitions).toHaveLength(2);
    expect(meta.metadata!.topics![0]!.config!.segmentBytes).toBe(4096);
    expect(Number(meta.metadata!.topics![0]!.partitions![0]!.segmentCount)).toBeGreaterThan(1);
    expect(await readAll(c, 'durable')).toEqual(before);

    // The producer retries its last batch after the restart: a duplicate, not a second copy.
    const retry = part(await c.request(produce('durable', idempotentBatch(pid, 19, [`v19-${'x'.repeat(300)}`]))));
    expect(retry.error).toBeFalsy();
    expect(retry).toMatchObject({ baseOffset: 19, lastOffset: 19 });
    const next = part(await c.request(produce('durable', idempotentBatch(pid, 20, ['after']))));
    expect(next).toMatchObject({ baseOffset: 20 });
    const gap = part(await c.request(produce('durable', idempotentBatch(pid, 25, ['gap']))));
    expect(gap.error?.code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE);

    // Producer ids are never reused across restarts.
    const fresh = Number((await c.request({ initProducerId: {} })).initProducerId!.producerId);
    expect(fresh).toBeGreaterThan(pid);
  });

  it('does not resurrect records of a deleted topic when one of the same name is created', async () => {
    b = await startTestBroker();
    const c = await connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'phoenix' }] } });
    await c.request(produce('phoenix', encodeRecordBatch([{ value: Buffer.from('old') }])));
    const del = await c.request({ deleteTopics: { names: ['phoenix'] } });
    expect(del.deleteTopics!.topics![0]!.error).toBeFalsy();
    await c.request({ createTopics: { topics: [{ name: 'phoenix' }] } });
    expect(await readAll(c, 'phoenix')).toEqual([]);
    b = await b.restart();
    const c2 = await connect(b.url);
    expect(await readAll(c2, 'phoenix')).toEqual([]);
  });

  it('stops with parked fetches and in-flight produces without hanging', async () => {
    b = await startTestBroker();
    const c = await connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'park' }] } });
    const fetchId = c.send({ fetch: { maxWaitMs: 30_000, minBytes: 1, topics: [{ name: 'park', partitions: [{ partition: 0, fetchOffset: 0 }] }] } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await b.stop({ keepDir: true });
    expect(performance.now() - started).toBeLessThan(3000);
    // The parked fetch was answered (empty) before the socket closed.
    const answered = c.received.find((r) => r.correlationId === fetchId);
    expect(answered?.fetch).toBeTruthy();
    expect((await c.closed).code).toBe(1001);
    b = await startTestBroker({ dataDir: b.dataDir });
  });
});
