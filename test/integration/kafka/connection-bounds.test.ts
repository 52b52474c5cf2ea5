/**
 * The Kafka listener runs on the connection core the WebSocket listener runs on, so its bounds
 * are the same numbers counted the same way. Against one broker process, over raw TCP (Kafka)
 * and a raw WebSocket (Strata), with --max-in-flight 2:
 * - four pipelined long-poll fetches sent in one TCP write: the Kafka listener reads two, and the
 *   next two only once the first answers left (answers in request order), where the WebSocket
 *   listener runs two and refuses two with TooManyRequestsError;
 * - a silent connection is closed within the idle timeout on both (Kafka has no ping: a quiet
 *   peer is closed; a WebSocket peer that answers no ping is terminated), while a Kafka
 *   connection whose long poll outlasts the idle timeout is not closed under it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/errors.js';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { openRawWebSocket } from '../../fuzz/harness/raw-websocket.js';
import { RawClient } from '../broker/raw-client.js';
import { startKafkaBroker, type KafkaBroker } from './harness.js';
import { RawKafkaClient } from './raw-kafka-client.js';

const IN_FLIGHT_MAX = 2;
const IDLE_TIMEOUT_MS = 600;
/** Long enough that two rounds of parked fetches cannot be mistaken for one on a loaded machine. */
const FETCH_WAIT_MS = 1_000;
const TOPIC = 'bounds';
const FETCHES = 4;

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await startKafkaBroker([
    '--max-in-flight', String(IN_FLIGHT_MAX), '--idle-timeout-ms', String(IDLE_TIMEOUT_MS),
    '--kafka-idle-timeout-ms', String(IDLE_TIMEOUT_MS), '--fetch-wait-ms-max', String(4 * FETCH_WAIT_MS),
  ]);
  const c = await RawKafkaClient.connect(broker.bootstrap);
  try {
    c.send(encodeRequest('createTopics', 4, 1, 'bounds', {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000,
    }));
    const { body } = decodeResponse('createTopics', 4, (await c.next())!);
    expect(body.topics[0]!.errorCode).toBe(0);
  } finally {
    c.close();
  }
}, 30_000);

afterAll(async () => {
  await broker?.close();
});

function kafkaFetch(correlationId: number, maxWaitMs: number): Buffer {
  return encodeRequest('fetch', 11, correlationId, 'bounds', {
    maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
}

describe('Kafka listener bounds, beside the WebSocket listener', () => {
  it('reads at most --max-in-flight requests at once, where the WebSocket listener refuses the excess', async () => {
    const kafka = await RawKafkaClient.connect(broker.bootstrap);
    try {
      const started = performance.now();
      kafka.send(Buffer.concat(Array.from({ length: FETCHES }, (_, i) => kafkaFetch(100 + i, FETCH_WAIT_MS))));
      const arrivals: Array<{ id: number; ms: number }> = [];
      for (let i = 0; i < FETCHES; i++) {
        const frame = await kafka.next(6 * FETCH_WAIT_MS);
        expect(frame).not.toBeNull();
        const res = decodeResponse('fetch', 11, frame!);
        expect(res.body.responses[0]!.partitions[0]!.errorCode).toBe(0);
        arrivals.push({ id: res.correlationId, ms: performance.now() - started });
      }
      expect(arrivals.map((a) => a.id)).toEqual([100, 101, 102, 103]);
      // The first two parked together for one wait; the last two were read only after them.
      expect(arrivals[1]!.ms).toBeGreaterThanOrEqual(FETCH_WAIT_MS - 50);
      expect(arrivals[1]!.ms).toBeLessThan(2 * FETCH_WAIT_MS - 100);
      expect(arrivals[3]!.ms).toBeGreaterThanOrEqual(2 * FETCH_WAIT_MS - 50);
    } finally {
      kafka.close();
    }

    const ws = await RawClient.connect(broker.url);
    try {
      const ids = Array.from({ length: FETCHES }, () => ws.send({ fetch: {
        maxWaitMs: FETCH_WAIT_MS, minBytes: 1, topics: [{ name: TOPIC, partitions: [{ partition: 0, fetchOffset: 0 }] }],
      } }));
      const answers = await Promise.all(ids.map((id) => ws.responseTo(id)));
      expect(answers.filter((r) => r.error?.code === ErrorCode.TOO_MANY_REQUESTS).length).toBe(FETCHES - IN_FLIGHT_MAX);
      expect(answers.filter((r) => r.fetch).length).toBe(IN_FLIGHT_MAX);
    } finally {
      ws.ws.terminate();
    }
  });

  it('closes a silent connection within the idle timeout on both listeners, but not one whose long poll is in flight', async () => {
    // The broker's idle clock of the silent connection starts when it accepts it, before connect()
    // resolves: a lower bound on its close is measured from before the connect.
    const connecting = performance.now();
    const silentKafka = await RawKafkaClient.connect(broker.bootstrap);
    const silentWs = await openRawWebSocket(broker.url); // answers no ping
    const polling = await RawKafkaClient.connect(broker.bootstrap);
    const started = performance.now();
    // Parked for 3 idle timeouts: in flight all along, so the sweep must leave it alone.
    polling.send(kafkaFetch(7, 3 * IDLE_TIMEOUT_MS));
    try {
      expect(await silentKafka.closedWithin(3 * IDLE_TIMEOUT_MS + 1_000)).toBe(true);
      const kafkaClosedMs = performance.now() - connecting;
      expect(kafkaClosedMs).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS / 2);
      expect(await silentWs.closed).toBeGreaterThan(0);
      expect(silentWs.closedAfterMs()).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS / 2);
      expect(silentWs.closedAfterMs()).toBeLessThan(3 * IDLE_TIMEOUT_MS + 1_000);

      const answer = await polling.next(6 * IDLE_TIMEOUT_MS);
      expect(answer).not.toBeNull();
      expect(decodeResponse('fetch', 11, answer!).correlationId).toBe(7);
      expect(performance.now() - started).toBeGreaterThanOrEqual(3 * IDLE_TIMEOUT_MS - 50);
      // Answered, then silent: now it is idle like any other.
      expect(await polling.closedWithin(3 * IDLE_TIMEOUT_MS + 1_000)).toBe(true);
    } finally {
      silentKafka.close();
      polling.close();
      silentWs.socket.destroy();
    }
  });
});
