import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { pb } from '../../../proto/messages.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

const KiB = 1024;

describe('slow consumers', () => {
  let b: TestBroker | undefined;
  afterEach(async () => {
    await b?.stop();
    b = undefined;
  });

  it('stops serving fetches to a connection that does not read, then terminates it after the deadline', async () => {
    const dropMs = 300;
    b = await startTestBroker({ limits: { slowConsumerBufferedBytesMax: 256 * KiB, slowConsumerDropMs: dropMs } });
    const admin = await RawClient.connect(b.url);
    await admin.request({ createTopics: { topics: [{ name: 'bulk', config: { flushPolicy: pb.FlushPolicy.FLUSH_POLICY_NEVER } }] } });
    const value = Buffer.alloc(250 * KiB, 7);
    for (let i = 0; i < 4; i++) {
      await admin.request({ produce: { acks: pb.Acks.ACKS_LEADER, topics: [{ name: 'bulk', partitions: [{ partition: 0, records: encodeRecordBatch([{ value }]) }] }] } });
    }

    const slow = await RawClient.connect(b.url);
    // Stop reading: the kernel buffers fill, then ws.bufferedAmount on the broker grows.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    expect(b.broker.connectionCount).toBe(2);
    const fetch = { fetch: { maxWaitMs: 0, minBytes: 0, maxBytes: 1024 * KiB, topics: [{ name: 'bulk', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 * KiB }] }] } };
    const started = performance.now();
    for (let i = 0; i < 40; i++) slow.send(fetch); // ~40 MiB of answers if all were served

    const deadline = started + 10_000;
    while (b.broker.connectionCount > 1 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(b.broker.connectionCount).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(dropMs - 20);
    const stats = b.broker.stats;
    expect(stats.slowConsumersTerminated).toBe(1);
    // Most fetches were held back instead of piling up ~40 MiB in the broker's send queue:
    // only what the kernel buffers and the 256 KiB cap absorb was served.
    console.log(`slow consumer: ${40 - stats.fetchesHeld} of 40 fetches served, ${stats.fetchesHeld} held`);
    expect(stats.fetchesHeld).toBeGreaterThanOrEqual(20);

    // The broker itself is fine.
    expect((await admin.request({ listTopics: {} })).listTopics!.names).toEqual(['bulk']);
    admin.close();
    slow.ws.terminate();
  });
});
