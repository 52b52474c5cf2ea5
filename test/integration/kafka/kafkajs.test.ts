/**
 * kafkajs 2.2.4 against a real broker process over the Kafka listener: the admin client, an
 * idempotent acks=-1 producer with each of Kafka's codecs (gzip built in, snappy, lz4 and zstd
 * registered as kafkajs users do), a consumer group of three that rebalances when one member
 * leaves, commit-and-resume, and seek.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompressionTypes, type Consumer, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf, readBatchHeader } from '../../../proto/record-batch.js';
import { eventually, kafkajs, registerKafkajsCodecs, startKafkaBroker, type KafkaBroker } from './harness.js';

let broker: KafkaBroker;

beforeAll(async () => {
  await registerKafkajsCodecs();
  broker = await startKafkaBroker();
});

afterAll(async () => {
  await broker?.close();
});

describe('kafkajs admin', () => {
  it('creates, lists, describes the configs of, and deletes topics', async () => {
    const admin = kafkajs(broker.bootstrap).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({
        topics: [{ topic: 'adm-a', numPartitions: 4, configEntries: [{ name: 'retention.ms', value: '3600000' }] }, { topic: 'adm-b' }],
      })).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic: 'adm-a' }] })).toBe(false); // already there
      expect((await admin.listTopics()).sort()).toEqual(expect.arrayContaining(['adm-a', 'adm-b']));
      const meta = await admin.fetchTopicMetadata({ topics: ['adm-a'] });
      expect(meta.topics[0]!.partitions).toHaveLength(4);
      const { resources } = await admin.describeConfigs({ resources: [{ type: 2, name: 'adm-a' }], includeSynonyms: false });
      const entries = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
      expect(entries.get('retention.ms')).toMatchObject({ configValue: '3600000', readOnly: false });
      expect(entries.get('cleanup.policy')).toMatchObject({ configValue: 'delete', readOnly: false });
      await admin.deleteTopics({ topics: ['adm-b'] });
      expect(await admin.listTopics()).not.toContain('adm-b');
      await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toThrow();
    } finally {
      await admin.disconnect();
    }
  });
});

describe('kafkajs producer', () => {
  it.each([
    ['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4], ['zstd', CompressionTypes.ZSTD],
  ] as const)(
    'sends idempotently with acks=-1 and %s, each record once at dense offsets', async (_name, compression) => {
      const kafka = kafkajs(broker.bootstrap);
      const topic = `prod-${_name}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const sent: string[] = [];
      for (let batch = 0; batch < 5; batch++) {
        const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${batch}-${i}`, headers: { b: String(batch) } }));
        const [meta] = await producer.send({ topic, acks: -1, compression, messages });
        expect(meta!.errorCode).toBe(0);
        expect(Number(meta!.baseOffset)).toBe(batch * 20);
        sent.push(...messages.map((m) => m.value));
      }
      await producer.disconnect();
      // Stored as sent: the segment holds kafkajs's batches with their codec.
      const segment = await readFile(join(broker.dataDir, `${topic}-0`, '00000000000000000000.log'));
      expect(compressionOf(readBatchHeader(segment).attributes)).toBe(compression);
      const got = await consumeAll(kafka.consumer({ groupId: `read-${topic}`, maxWaitTimeInMs: 300 }), topic, sent.length);
      expect(got.map((m) => m.message.value!.toString())).toEqual(sent);
      expect(got.map((m) => Number(m.message.offset))).toEqual(sent.map((_, i) => i));
      expect(got[25]!.message.headers).toEqual({ b: Buffer.from('1') });
    });
});

describe('kafkajs consumer groups', () => {
  it('shares partitions among three members and rebalances when one leaves, reading each record once', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'three', numPartitions: 6 }] });
    await admin.disconnect();
    const seen = new Map<string, string>(); // value → member
    const assigned = new Map<string, number>();
    const consumers: Consumer[] = [];
    for (let m = 0; m < 3; m++) {
      // kafkajs heartbeats between fetches, so a member learns of a rebalance when its long poll
      // returns: a short max wait keeps each rebalance under a second.
      const c = kafka.consumer({ groupId: 'trio', heartbeatInterval: 300, sessionTimeout: 10_000, maxWaitTimeInMs: 300 });
      c.on(c.events.GROUP_JOIN, (e) => assigned.set(`m${m}`, (e.payload.memberAssignment.three ?? []).length));
      await c.connect();
      await c.subscribe({ topic: 'three', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => { seen.set(message.value!.toString(), `m${m}`); } });
      consumers.push(c);
    }
    try {
      await eventually('three members with two partitions each', () => [...assigned.values()].length === 3 && [...assigned.values()].every((n) => n === 2));
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'three', messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
      await eventually('first 60 read', () => seen.size === 60);
      expect(new Set(seen.values()).size).toBe(3);
      await consumers.pop()!.disconnect(); // m2 leaves
      assigned.delete('m2');
      await eventually('two members with three partitions each', () => [...assigned.values()].every((n) => n === 3));
      await producer.send({ topic: 'three', messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `b${i}` })) });
      await producer.disconnect();
      await eventually('all 120 read', () => seen.size === 120);
      const late = [...seen].filter(([v]) => v.startsWith('b')).map(([, m]) => m);
      expect(new Set(late)).toEqual(new Set(['m0', 'm1']));
    } finally {
      for (const c of consumers) await c.disconnect();
    }
  }, 60_000);

  it('resumes after the offsets it committed, and seeks back on request', async () => {
    const kafka = kafkajs(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'resume', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'resume', messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })) });
    const first = await consumeAll(kafka.consumer({ groupId: 'resumer', maxWaitTimeInMs: 300 }), 'resume', 10);
    expect(first).toHaveLength(10);
    const offsets = await admin.fetchOffsets({ groupId: 'resumer', topics: ['resume'] });
    expect(offsets[0]!.partitions[0]!.offset).toBe('10');
    await producer.send({ topic: 'resume', messages: [{ value: 'r10' }, { value: 'r11' }] });
    const second = await consumeAll(kafka.consumer({ groupId: 'resumer', maxWaitTimeInMs: 300 }), 'resume', 2);
    expect(second.map((m) => m.message.value!.toString())).toEqual(['r10', 'r11']);
    // Seek: back to offset 3 once running.
    const seeker = kafka.consumer({ groupId: 'seeker', maxWaitTimeInMs: 300 });
    const values: string[] = [];
    await seeker.connect();
    await seeker.subscribe({ topic: 'resume', fromBeginning: true });
    let sought = false;
    await seeker.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (!sought && message.offset === '5') {
          sought = true;
          seeker.seek({ topic: 'resume', partition: 0, offset: '3' });
        }
      },
    });
    await eventually('read through, back to 3 and through again', () => values.length >= 6 + 9);
    await seeker.disconnect();
    expect(values.slice(0, 6)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(values.slice(6, 9)).toEqual(['r3', 'r4', 'r5']);
    await producer.disconnect();
    await admin.disconnect();
  }, 60_000);
});

/** Runs a fresh group consumer from the beginning until `count` records, then disconnects. */
async function consumeAll(consumer: Consumer, topic: string, count: number): Promise<EachMessagePayload[]> {
  const got: EachMessagePayload[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async (p) => { got.push(p); if (got.length === count) resolve(); } });
  });
  await consumer.disconnect();
  return got;
}
