/**
 * A Kafka consumer that stops reading (its TCP socket paused) while pipelining fetches of a
 * large backlog meets the same slow-consumer bound as a WebSocket one (limits/slow-consumer.test.ts),
 * through the shared connection core: its fetches are held once its queue passes
 * --slow-consumer-bytes-max, the connection is cut off after --slow-consumer-drop-ms, and another
 * Kafka client is served meanwhile. Real broker process, raw TCP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pb } from '../../../proto/messages.js';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { produceBody, WireClient } from '../../crash/harness/wire-client.js';
import { startKafkaBroker, type KafkaBroker } from './harness.js';
import { RawKafkaClient } from './raw-kafka-client.js';

const MiB = 1024 * 1024;
const BACKLOG_BATCHES = 24; // 24 MiB of 1 MiB batches
const SLOW_BYTES_MAX = 2 * MiB;
const DROP_MS = 600;
const FETCHES = 32;
const FETCH_BYTES = 8 * MiB;

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await startKafkaBroker(['--flush', 'never', '--slow-consumer-bytes-max', String(SLOW_BYTES_MAX), '--slow-consumer-drop-ms', String(DROP_MS)]);
  const c = await WireClient.handshake(broker.url);
  await c.request({ createTopics: { topics: [{ name: 'backlog' }, { name: 'other' }] } });
  const value = Buffer.alloc(MiB - 200, 0x61);
  for (let i = 0; i < BACKLOG_BATCHES; i++) {
    const res = await c.request(produceBody('backlog', 0, encodeRecordBatch([{ value }]), pb.Acks.ACKS_LEADER));
    expect(res.produce!.topics![0]!.partitions![0]!.error ?? null).toBeNull();
  }
  await c.request(produceBody('other', 0, encodeRecordBatch([{ value: Buffer.from('small') }]), pb.Acks.ACKS_LEADER));
  c.close();
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

function fetch(correlationId: number, topic: string, fetchOffset: number): Buffer {
  return encodeRequest('fetch', 11, correlationId, 'slow', {
    maxWaitMs: 0, minBytes: 0, maxBytes: FETCH_BYTES, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: FETCH_BYTES }] }],
    forgottenTopicsData: [], rackId: '',
  });
}

describe('a slow Kafka consumer', () => {
  it('is cut off after the deadline while another Kafka client is served', async () => {
    const slow = await RawKafkaClient.connect(broker.bootstrap);
    slow.socket.pause();
    for (let i = 0; i < FETCHES; i++) slow.send(fetch(i, 'backlog', (i * 5) % BACKLOG_BATCHES));
    const good = await RawKafkaClient.connect(broker.bootstrap);
    const started = Date.now();
    let goodRoundTrips = 0;
    try {
      while (Date.now() - started < DROP_MS + 1_500) {
        good.send(fetch(1_000 + goodRoundTrips, 'other', 0));
        const res = decodeResponse('fetch', 11, (await good.next(2_000))!);
        expect(res.body.responses[0]!.partitions[0]!.errorCode).toBe(0);
        goodRoundTrips++;
        await new Promise((r) => setTimeout(r, 20));
      }
      // The broker terminated the slow connection: resuming finds it closed, with few answers read.
      slow.socket.resume();
      expect(await slow.closedWithin(3_000), 'slow connection closed by the broker').toBe(true);
      let answers = 0;
      for (;;) {
        const frame = await slow.next(100).catch(() => null);
        if (frame === null) break;
        answers++;
      }
      expect(answers).toBeLessThan(FETCHES);
      expect(goodRoundTrips).toBeGreaterThan(5);
      expect(good.closed).toBe(false);
    } finally {
      slow.close();
      good.close();
    }
  });
});
