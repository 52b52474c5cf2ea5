/**
 * The SDK consumer on push delivery, against the real broker (in-process, port 0, temp dir, a
 * real WebSocket): a tailing consumer subscribes instead of fetching, receives every record
 * once and in order, stops the broker within its credit when it stops reading, and fetches
 * again after a seek and with `push: false`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { Strata } from '../../../client/index.js';
import { take } from '../../helpers/take.js';

let broker: TestBroker;
let strata: Strata;

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url });
  const admin = strata.admin();
  for (const name of ['tail', 'stall', 'nopush', 'seek']) await admin.createTopic({ name, partitions: name === 'tail' ? 3 : 1 });
});
afterAll(async () => {
  await strata?.close();
  await broker?.stop();
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('consumer push delivery', () => {
  it('a tailing consumer gets every record once and in order from a fast producer, pushed rather than fetched', async () => {
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: 'tail', offset: 'latest' });
    const producer = strata.producer({ lingerMs: 0 });
    const perPartition = 5_000;
    const framesBefore = broker.broker.stats.pushFrames;
    const reading = take(consumer, 3 * perPartition);
    // Give the consumer its first (long-poll) fetch, then produce fast: 1,000-record sends, not awaited one by one.
    await new Promise((r) => setTimeout(r, 100));
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < perPartition; i += 250) {
      for (let p = 0; p < 3; p++) {
        sends.push(producer.sendMany({ topic: 'tail', messages: Array.from({ length: 250 }, (_, j) => ({ partition: p, value: `${p}:${i + j}` })) }));
      }
    }
    await Promise.all(sends);
    const got = await reading;
    expect(got).toHaveLength(3 * perPartition);
    for (let p = 0; p < 3; p++) {
      const values = got.filter((r) => r.partition === p).map((r) => r.value);
      expect(values).toEqual(Array.from({ length: perPartition }, (_, i) => `${p}:${i}`));
    }
    expect(broker.broker.stats.pushFrames).toBeGreaterThan(framesBefore);
    await producer.close();
    await consumer.close();
  });

  it('a consumer that stops reading stops the broker within its credit; reading again delivers the rest in order', async () => {
    const MiB = 1024 * 1024;
    // The smallest window the options allow: bufferBytesMax >= maxBytes.
    const consumer = strata.consumer({ decode: 'utf8', maxBytes: 1 * MiB, partitionMaxBytes: 256 * 1024, bufferBytesMax: 1 * MiB });
    await consumer.assign({ topic: 'stall', offset: 'latest' });
    const producer = strata.producer({ lingerMs: 0 });
    // Reach the tail (and subscribe) first: read the first record.
    await producer.send({ topic: 'stall', messages: [{ value: 'first' }] });
    expect((await take(consumer, 1)).map((r) => r.value)).toEqual(['first']);
    const stallsBefore = broker.broker.stats.pushCreditStalls;
    const pushedBefore = broker.broker.stats.pushRecordBytes;
    const value = 'v'.repeat(1000);
    const total = 8_000; // ~8 MiB, eight windows
    for (let i = 0; i < total; i += 500) {
      await producer.sendMany({ topic: 'stall', messages: Array.from({ length: 500 }, (_, j) => ({ value: `${i + j}:${value}` })) });
    }
    await until(() => broker.broker.stats.pushCreditStalls > stallsBefore);
    await new Promise((r) => setTimeout(r, 300));
    // Pushed while nobody read: about one window (plus at most a batch), not the 8 MiB in the log.
    const pushedWhileStalled = broker.broker.stats.pushRecordBytes - pushedBefore;
    expect(pushedWhileStalled).toBeLessThanOrEqual(1.5 * MiB);
    expect(consumer.bufferedBytesNow).toBeLessThanOrEqual(1.5 * MiB);
    const rest = await take(consumer, total);
    expect(rest.map((r) => Number(r.value!.split(':')[0]))).toEqual(Array.from({ length: total }, (_, i) => i));
    await producer.close();
    await consumer.close();
  });

  it('after a seek back the partition is fetched from the new offset, then tails again', async () => {
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: 'seek', offset: 'latest' });
    const producer = strata.producer({ lingerMs: 0 });
    await producer.sendMany({ topic: 'seek', messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` })) });
    expect((await take(consumer, 10)).map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
    await consumer.seek({ topic: 'seek', partition: 0 }, 5);
    await producer.sendMany({ topic: 'seek', messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}` })) });
    expect((await take(consumer, 10)).map((r) => r.value)).toEqual([...Array.from({ length: 5 }, (_, i) => `a${i + 5}`), ...Array.from({ length: 5 }, (_, i) => `b${i}`)]);
    await producer.close();
    await consumer.close();
  });

  it('with push: false the consumer only fetches', async () => {
    const consumer = strata.consumer({ decode: 'utf8', push: false });
    await consumer.assign({ topic: 'nopush', offset: 'latest' });
    const producer = strata.producer({ lingerMs: 0 });
    const framesBefore = broker.broker.stats.pushFrames;
    const reading = take(consumer, 200);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 200; i += 20) await producer.sendMany({ topic: 'nopush', messages: Array.from({ length: 20 }, (_, j) => ({ value: `${i + j}` })) });
    expect((await reading).map((r) => Number(r.value))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(broker.broker.stats.pushFrames).toBe(framesBefore);
    await producer.close();
    await consumer.close();
  });
});
