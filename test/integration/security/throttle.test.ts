/**
 * throttle_time_ms: a throttled answer carries the delay its quota applied, on both listeners,
 * with Kafka's KIP-219 split of who waits. From each API's KIP-219 version on (Produce v6+, Fetch
 * v8+) the answer leaves at once and the connection is muted for the throttle time (the client
 * holds its own requests as long); an older version's answer is held for the throttle time. Raw
 * frames check the field at both ends of a layout (Fetch's first field, Produce's last, flexible
 * and not); kafkajs shows a real client throttling itself on it; the SDK counts it.
 *
 * Quotas per client id, 1,000 B/s: the first measurement spans the whole 10 s window, so an
 * answer measured at B bytes (> 10,000) is throttled about B - 10,000 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { Strata } from '../../../client/index.js';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from '../broker/raw-client.js';
import { kafkajs } from '../kafka/harness.js';
import { RawKafkaClient } from '../kafka/raw-kafka-client.js';
import { PROTOCOL_VERSION } from '../../../proto/constants.js';
import { pb } from '../../../proto/messages.js';

const QUOTA_BYTES_PER_S = 1_000;
/** Records of one request: past the quota's 10 s worth by ~1 s of throttle. */
const RECORD_BYTES = 11_000;

let b: TestBroker;
let bootstrap: string;

function batchOf(bytes: number): Buffer {
  const now = Date.now();
  return encodeRecordBatch([{ key: null, value: Buffer.alloc(bytes, 0x61), timestamp: now }], { now });
}

beforeAll(async () => {
  b = await startTestBroker({ kafka: { host: '127.0.0.1', port: 0 } });
  const k = b.broker.kafkaAddress!.bound;
  bootstrap = `${k.host}:${k.port}`;
  const quotas = b.broker.security!.quotas;
  for (const clientId of ['p7', 'p2', 'p9', 'kjs', 'sdk-t', 'ws-raw']) await quotas.alter({ clientId }, { producerByteRate: QUOTA_BYTES_PER_S }, []);
  await quotas.alter({ clientId: 'f11' }, { consumerByteRate: QUOTA_BYTES_PER_S }, []);
  const loader = new Strata({ brokers: b.url });
  try {
    for (const name of ['t', 'fetched']) await loader.admin().createTopic({ name, partitions: 1 });
    await loader.producer().send({ topic: 'fetched', messages: [{ value: Buffer.alloc(RECORD_BYTES, 0x62) }] });
  } finally {
    await loader.close();
  }
}, 30_000);

afterAll(async () => {
  await b?.stop();
});

async function kafkaProduce(c: RawKafkaClient, clientId: string, version: number, correlationId: number) {
  const started = performance.now();
  c.send(encodeRequest('produce', version, correlationId, clientId, {
    transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 't', partitionData: [{ index: 0, records: batchOf(RECORD_BYTES) }] }],
  }));
  const frame = await c.next(15_000);
  const ms = performance.now() - started;
  const res = decodeResponse('produce', version, frame!);
  expect(res.correlationId).toBe(correlationId);
  expect(res.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  return { throttleTimeMs: res.body.throttleTimeMs, ms };
}

async function kafkaMetadataMs(c: RawKafkaClient, clientId: string, since: number): Promise<number> {
  c.send(encodeRequest('metadata', 1, 99, clientId, { topics: [] }));
  expect(await c.next(15_000)).not.toBeNull();
  return performance.now() - since;
}

describe('throttle_time_ms', () => {
  it('Kafka Produce v7 (KIP-219): answered at once with the throttle time, then the connection is muted for it', async () => {
    const c = await RawKafkaClient.connect(bootstrap);
    try {
      const sent = performance.now();
      const { throttleTimeMs, ms } = await kafkaProduce(c, 'p7', 7, 1);
      expect(throttleTimeMs).toBeGreaterThan(300);
      expect(throttleTimeMs).toBeLessThan(5_000);
      expect(ms).toBeLessThan(throttleTimeMs / 2);
      // The next request on the muted connection is read only once the throttle time is over.
      expect(await kafkaMetadataMs(c, 'p7', sent)).toBeGreaterThanOrEqual(throttleTimeMs - 30);
    } finally {
      c.close();
    }
  });

  it('Kafka Produce v2 (before KIP-219): the answer itself is held for the throttle time it carries (the layout\'s last field)', async () => {
    const c = await RawKafkaClient.connect(bootstrap);
    try {
      const { throttleTimeMs, ms } = await kafkaProduce(c, 'p2', 2, 1);
      expect(throttleTimeMs).toBeGreaterThan(300);
      expect(ms).toBeGreaterThanOrEqual(throttleTimeMs - 30);
    } finally {
      c.close();
    }
  });

  it('Kafka Produce v9 (flexible: the field sits before the tagged section) and Fetch v11 (its first field)', async () => {
    const c = await RawKafkaClient.connect(bootstrap);
    try {
      const { throttleTimeMs } = await kafkaProduce(c, 'p9', 9, 1);
      expect(throttleTimeMs).toBeGreaterThan(300);
      expect(throttleTimeMs).toBeLessThan(5_000);
    } finally {
      c.close();
    }
    const f = await RawKafkaClient.connect(bootstrap);
    try {
      const started = performance.now();
      f.send(encodeRequest('fetch', 11, 7, 'f11', {
        maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
        topics: [{ topic: 'fetched', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      }));
      const res = decodeResponse('fetch', 11, (await f.next(15_000))!);
      const ms = performance.now() - started;
      expect(res.body.errorCode).toBe(0);
      expect(res.body.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(RECORD_BYTES);
      expect(res.body.throttleTimeMs).toBeGreaterThan(300);
      expect(ms).toBeLessThan(res.body.throttleTimeMs / 2);
      expect(await kafkaMetadataMs(f, 'f11', started)).toBeGreaterThanOrEqual(res.body.throttleTimeMs - 30);
    } finally {
      f.close();
    }
  });

  it('kafkajs reads the throttle time and holds its own next request for it', async () => {
    const lines: string[] = [];
    const client = kafkajs(bootstrap, {
      clientId: 'kjs', logLevel: logLevel.DEBUG,
      logCreator: () => ({ log }) => { lines.push(String(log.message)); },
    });
    const producer = client.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 't', messages: [{ value: Buffer.alloc(RECORD_BYTES, 0x63) }] });
      const throttled = lines.map((l) => /Client side throttling in effect for (\d+)ms/.exec(l)).find((m) => m !== null);
      expect(throttled, 'kafkajs logged no client-side throttle').toBeTruthy();
      const throttleMs = Number(throttled![1]);
      expect(throttleMs).toBeGreaterThan(300);
      const started = performance.now();
      await producer.send({ topic: 't', messages: [{ value: 'small' }] });
      expect(performance.now() - started).toBeGreaterThanOrEqual(throttleMs / 2);
    } finally {
      await producer.disconnect();
    }
  });

  it('WebSocket: the Response carries throttle_time_ms and the SDK counts it in throttleStats()', async () => {
    const raw = await RawClient.connect(b.url);
    try {
      await raw.request({ apiVersions: { protocolVersion: PROTOCOL_VERSION, clientSoftware: 'ws-raw' } });
      const started = performance.now();
      const res = await raw.request({ produce: { acks: pb.Acks.ACKS_ALL, timeoutMs: 5000, topics: [{ name: 't', partitions: [{ partition: 0, records: batchOf(RECORD_BYTES) }] }] } }, 15_000);
      expect(res.produce!.topics![0]!.partitions![0]!.error ?? null).toBeNull();
      expect(res.throttleTimeMs).toBeGreaterThan(300);
      // The WebSocket protocol's client does not throttle itself: the broker held the answer.
      expect(performance.now() - started).toBeGreaterThanOrEqual(res.throttleTimeMs - 30);
      const quick = await raw.request({ listTopics: {} });
      expect(quick.throttleTimeMs).toBe(0);
    } finally {
      raw.close();
    }

    const sdk = new Strata({ brokers: b.url, clientId: 'sdk-t' });
    try {
      expect(sdk.throttleStats()).toEqual({ throttledResponses: 0, throttleTimeMs: 0, lastThrottleTimeMs: 0 });
      await sdk.producer().send({ topic: 't', messages: [{ value: Buffer.alloc(RECORD_BYTES, 0x64) }] });
      const stats = sdk.throttleStats();
      expect(stats.throttledResponses).toBe(1);
      expect(stats.throttleTimeMs).toBeGreaterThan(300);
      expect(stats.lastThrottleTimeMs).toBe(stats.throttleTimeMs);
    } finally {
      await sdk.close();
    }
    expect(b.broker.security!.stats.responsesThrottled).toBeGreaterThanOrEqual(7);
  });
});
