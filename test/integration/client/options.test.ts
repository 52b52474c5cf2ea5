/**
 * Producer and consumer options end to end: compression, acks levels, value types, headers,
 * pause/resume, backpressure, and topic configuration through the admin client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../proto/messages.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import {
  nodeSocketFactory, RequestTimedOutError, Strata, type Consumer, type SocketFactory,
} from '../../../client/index.js';

let broker: TestBroker;
let strata: Strata;

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url });
});

afterAll(async () => {
  await strata?.close();
  await broker?.stop();
});

async function readN<V>(consumer: Consumer<V>, n: number) {
  const out = [];
  for await (const r of consumer) {
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

describe('producer options', () => {
  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${compression}-compressed batches are stored compressed and come back as the same records`, async () => {
      const topic = `c-${compression}`;
      await strata.admin().createTopic({ name: topic, partitions: 1 });
      const producer = strata.producer({ compression });
      const text = 'compressible '.repeat(20);
      await producer.send({ topic, messages: Array.from({ length: 500 }, (_, i) => ({ value: `${i}:${text}` })) });
      await producer.close();
      const d = await strata.admin().describeTopic(topic);
      expect(d.partitions[0]!.sizeBytes).toBeLessThan(500 * text.length / 5);
      const consumer = strata.consumer({ decode: 'utf8' });
      await consumer.assign({ topic, offset: 'earliest' });
      const got = await readN(consumer, 500);
      expect(got.map((r) => r.value)).toEqual(Array.from({ length: 500 }, (_, i) => `${i}:${text}`));
      await consumer.close();
    });
  }

  it('refuses an unknown compression name with InvalidConfigError', () => {
    expect(() => strata.producer({ compression: 'brotli' as never })).toThrow(/compression must be one of none, gzip, snappy, lz4, zstd/);
  });

  it('acks leader returns offsets; acks none resolves with offset -1 and the records still land', async () => {
    await strata.admin().createTopic({ name: 'acks', partitions: 1 });
    const leader = strata.producer({ acks: 'leader' });
    const [m] = await leader.send({ topic: 'acks', messages: [{ value: 'one' }] });
    expect(m).toEqual({ topic: 'acks', partition: 0, offset: 0 });
    const none = strata.producer({ acks: 'none' });
    const res = await none.send({ topic: 'acks', messages: [{ value: 'two' }, { value: 'three' }] });
    expect(res.map((r) => r.offset)).toEqual([-1, -1]);
    // Per-send override on an idempotent producer: not sequenced, no answer.
    const [o] = await leader.send({ topic: 'acks', acks: 'none', messages: [{ value: 'four' }] });
    expect(o!.offset).toBe(-1);
    await Promise.all([leader.close(), none.close()]);
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: 'acks', offset: 'earliest' });
    expect((await readN(consumer, 4)).map((r) => r.value)).toEqual(['one', 'two', 'three', 'four']);
    await consumer.close();
  });

  it('accepts strings, Buffers, Uint8Arrays and null, headers in both forms, explicit timestamps, and sendOne', async () => {
    await strata.admin().createTopic({ name: 'types', partitions: 2 });
    const producer = strata.producer();
    await producer.send({
      topic: 'types',
      messages: [
        { key: 'k', value: 'string', partition: 1, timestamp: 1234, headers: { trace: 'abc', empty: null } },
        { key: Buffer.from([1, 2]), value: new Uint8Array([3, 4, 5]), partition: 1, headers: [{ key: 'dup', value: 'a' }, { key: 'dup', value: Buffer.from('b') }] },
        { value: null, partition: 1 },
      ],
    });
    const one = await producer.sendOne('types', { value: 'single', partition: 1 });
    expect(one).toEqual({ topic: 'types', partition: 1, offset: 3 });
    await producer.close();
    const consumer = strata.consumer();
    await consumer.assign([{ topic: 'types', partition: 1, offset: 0 }]);
    const [a, b, c, d] = await readN(consumer, 4);
    expect([a!.key!.toString(), a!.value!.toString(), a!.timestamp]).toEqual(['k', 'string', 1234]);
    expect(a!.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([['trace', 'abc'], ['empty', null]]);
    expect([...b!.key!]).toEqual([1, 2]);
    expect([...b!.value!]).toEqual([3, 4, 5]);
    expect(b!.headers.map((h) => [h.key, h.value!.toString()])).toEqual([['dup', 'a'], ['dup', 'b']]);
    expect([c!.key, c!.value, c!.headers]).toEqual([null, null, []]);
    expect(d!.value!.toString()).toBe('single');
    await consumer.close();
  });

  it('makes send() wait when the buffer is full and fails it with RequestTimedOutError after bufferTimeoutMs', async () => {
    await strata.admin().createTopic({ name: 'full', partitions: 1 });
    // A broker that never sees produce frames: the socket drops them, so nothing completes.
    const swallowProduce: SocketFactory = (url, handlers, options) => {
      const socket = nodeSocketFactory(url, handlers, options);
      return { ...socket, send: (frame, cb) => (decodeRequest(frame).body === 'produce' ? cb?.() : socket.send(frame, cb)),
        close: socket.close, terminate: socket.terminate, get bufferedBytes() { return socket.bufferedBytes; } };
    };
    const client = new Strata({ brokers: broker.url, socketFactory: swallowProduce, requestTimeoutMs: 300, retry: { retries: 0 } });
    const producer = client.producer({ batchBytesMax: 1024, bufferBytesMax: 2048, bufferTimeoutMs: 200, lingerMs: 0 });
    await producer.connect();
    const first = producer.send({ topic: 'full', messages: Array.from({ length: 10 }, () => ({ value: Buffer.alloc(150) })) });
    first.catch(() => {});
    await new Promise((r) => setTimeout(r, 50)); // metadata lookup, then the records are buffered
    expect(producer.bufferedBytesNow).toBeGreaterThan(1500);
    const started = Date.now();
    const second = producer.send({ topic: 'full', messages: Array.from({ length: 5 }, () => ({ value: Buffer.alloc(150) })) });
    await expect(second).rejects.toBeInstanceOf(RequestTimedOutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    // The unanswered first send times out too, and its bytes are released (each of its two
    // batches as it fails).
    await expect(first).rejects.toBeInstanceOf(RequestTimedOutError);
    for (let i = 0; i < 50 && producer.bufferedBytesNow > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(producer.bufferedBytesNow).toBe(0);
    await client.close();
  });
});

describe('consumer options', () => {
  it('pause() stops a partition from being read and resume() brings it back', async () => {
    await strata.admin().createTopic({ name: 'pausing', partitions: 2 });
    const producer = strata.producer();
    await producer.send({ topic: 'pausing', messages: [0, 1, 0, 1].map((p, i) => ({ value: `${p}-${i}`, partition: p })) });
    await producer.close();
    const consumer = strata.consumer({ decode: 'utf8', maxWaitMs: 100 });
    await consumer.assign({ topic: 'pausing', offset: 'earliest' });
    consumer.pause([{ topic: 'pausing', partition: 1 }]);
    expect(consumer.paused()).toEqual([{ topic: 'pausing', partition: 1 }]);
    const first = await readN(consumer, 2);
    expect(first.map((r) => r.value)).toEqual(['0-0', '0-2']);
    consumer.resume([{ topic: 'pausing', partition: 1 }]);
    const rest = await readN(consumer, 2);
    expect(rest.map((r) => r.value)).toEqual(['1-1', '1-3']);
    expect(consumer.assignment()).toEqual([{ topic: 'pausing', partition: 0 }, { topic: 'pausing', partition: 1 }]);
    await consumer.close();
  });

  it('ends every reading loop on close()', async () => {
    await strata.admin().createTopic({ name: 'idle', partitions: 1 });
    const consumer = strata.consumer({ maxWaitMs: 100 });
    await consumer.assign({ topic: 'idle', offset: 'latest' });
    const loop = readN(consumer, 1);
    await new Promise((r) => setTimeout(r, 150));
    await consumer.close();
    expect(await loop).toEqual([]);
  });
});

describe('admin', () => {
  it('creates topics with their configuration and reports it back', async () => {
    const admin = strata.admin();
    await admin.createTopic({
      name: 'configured', partitions: 3,
      config: { retentionMs: 3_600_000, retentionBytes: 10_000_000, segmentBytes: 1_048_576, segmentMs: 600_000, flushPolicy: 'interval', flushIntervalMs: 250 },
    });
    const d = await admin.describeTopic('configured');
    expect(d.partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset])).toEqual([[0, 0, 0], [1, 0, 0], [2, 0, 0]]);
    expect(d.config).toMatchObject({ retentionMs: 3_600_000, retentionBytes: 10_000_000, segmentBytes: 1_048_576, segmentMs: 600_000, flushPolicy: 'interval', flushIntervalMs: 250 });
    const meta = await admin.metadata();
    expect(meta.brokerUrl).toContain('ws://');
    expect(meta.topics.map((t) => t.name)).toContain('configured');
  });
});
