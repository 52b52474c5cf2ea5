/**
 * One broker, two protocols: what the Strata SDK writes over WebSocket, kcat and kafkajs read
 * over the Kafka listener with the same keys, values, headers and offsets, and the other way
 * round; a kafkajs consumer and an SDK consumer with the same group id are members of one
 * group, and offsets committed by one are where the other resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { eventually, kafkajs, kcat, startKafkaBroker, type KafkaBroker } from './harness.js';

let broker: KafkaBroker;
let strata: Strata;

beforeAll(async () => {
  broker = await startKafkaBroker();
  strata = new Strata({ brokers: broker.url });
});

afterAll(async () => {
  await strata?.close();
  await broker?.close();
});

describe('the SDK and Kafka clients on one broker', () => {
  it('kcat and kafkajs read what the SDK wrote: same keys, values, headers and offsets', async () => {
    await strata.admin().createTopic({ name: 'sdk-out', partitions: 1 });
    const producer = strata.producer({ compression: 'gzip' });
    const sent = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `value ${i}`, headers: [{ key: 'h', value: Buffer.from(`${i}`) }] }));
    const receipts = await producer.send({ topic: 'sdk-out', messages: sent });
    await producer.close();
    expect(receipts.map((r) => r.offset)).toEqual(sent.map((_, i) => i));

    const c = await kcat(broker.bootstrap, ['-C', '-t', 'sdk-out', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%s|%h\\n']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toEqual(sent.map((m, i) => `${i}|${m.key}|${m.value}|h=${i}`));

    const consumer = kafkajs(broker.bootstrap).consumer({ groupId: 'js-reads-sdk', maxWaitTimeInMs: 300 });
    const got: Array<{ offset: string; key: string; value: string; h: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'sdk-out', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      got.push({ offset: message.offset, key: message.key!.toString(), value: message.value!.toString(), h: message.headers!.h!.toString() });
    } });
    await eventually('kafkajs read 50', () => got.length === 50);
    await consumer.disconnect();
    expect(got).toEqual(sent.map((m, i) => ({ offset: String(i), key: m.key, value: m.value, h: String(i) })));
  });

  it('the SDK reads what kcat wrote, byte for byte and at the same offsets', async () => {
    await strata.admin().createTopic({ name: 'kcat-out', partitions: 1 });
    const lines = Array.from({ length: 40 }, (_, i) => `key${i}:payload \u00e9 ${i}`);
    const p = await kcat(broker.bootstrap, ['-P', '-t', 'kcat-out', '-K', ':', '-H', 'from=kcat', '-z', 'gzip'], `${lines.join('\n')}\n`);
    expect(p.code, p.stderr).toBe(0);
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: 'kcat-out', partition: 0, offset: 'earliest' });
    const got: string[] = [];
    for await (const r of consumer) {
      got.push(`${r.offset}|${r.key}|${r.value}|${r.headers.map((h) => `${h.key}=${h.value?.toString()}`).join(',')}`);
      if (r.offset === lines.length - 1) break;
    }
    await consumer.close();
    expect(got).toEqual(lines.map((l, i) => {
      const [key, value] = l.split(':');
      return `${i}|${key}|${value}|from=kcat`;
    }));
  });

  it('a kafkajs member and an SDK member of one group share its partitions and its committed offsets', async () => {
    await strata.admin().createTopic({ name: 'shared', partitions: 4 });
    const producer = strata.producer();
    const seen = new Map<string, string>();
    const js = kafkajs(broker.bootstrap).consumer({ groupId: 'mixed', heartbeatInterval: 300, maxWaitTimeInMs: 300 });
    let jsPartitions: number[] = [];
    js.on(js.events.GROUP_JOIN, (e) => { jsPartitions = e.payload.memberAssignment.shared ?? []; });
    await js.connect();
    await js.subscribe({ topic: 'shared', fromBeginning: true });
    await js.run({ eachMessage: async ({ message }) => { seen.set(message.value!.toString(), 'kafkajs'); } });

    const sdk = strata.consumer({ groupId: 'mixed', strategy: 'round-robin', autoOffsetReset: 'earliest', decode: 'utf8', autoCommitIntervalMs: 100 });
    await sdk.subscribe(['shared']);
    const sdkLoop = (async () => {
      for await (const r of sdk) seen.set(r.value as string, 'sdk');
    })();
    try {
      await eventually('both members hold two partitions', () => jsPartitions.length === 2 && sdk.assignment().length === 2, 30_000);
      await producer.send({ topic: 'shared', messages: Array.from({ length: 80 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })) });
      await eventually('all 80 read', () => seen.size === 80, 30_000);
      expect(new Set(seen.values())).toEqual(new Set(['kafkajs', 'sdk']));
      const sdkParts = sdk.assignment().map((tp) => tp.partition);
      expect([...jsPartitions, ...sdkParts].sort()).toEqual([0, 1, 2, 3]);
    } finally {
      await js.disconnect();
      await sdk.close();
      await sdkLoop;
    }
    // Both committed what they processed: the group resumes after all 80, whoever reads.
    const offsets = await strata.groupAdmin().fetchOffsets('mixed');
    expect(offsets.reduce((n, o) => n + o.offset, 0)).toBe(80);
    await producer.send({ topic: 'shared', messages: [{ key: 'k0', value: 'after' }] });
    await producer.close();
    const again = kafkajs(broker.bootstrap).consumer({ groupId: 'mixed', maxWaitTimeInMs: 300 });
    const later: string[] = [];
    await again.connect();
    await again.subscribe({ topic: 'shared', fromBeginning: true });
    await again.run({ eachMessage: async ({ message }) => { later.push(message.value!.toString()); } });
    await eventually('the record written after', () => later.length >= 1, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await again.disconnect();
    expect(later).toEqual(['after']);
  }, 90_000);
});
