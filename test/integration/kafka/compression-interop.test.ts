/**
 * The SDK's compressed batches read by librdkafka: what Strata's producer writes with each
 * codec must decode in kcat as it does in Kafka's own clients (kcat's own batches read by the
 * SDK are covered by test/unit/proto/compression.test.ts, from captured bytes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { kcat, startKafkaBroker, type KafkaBroker } from './harness.js';

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

describe('SDK compression read by librdkafka', () => {
  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('kcat reads the records of SDK batches compressed with %s', async (compression) => {
    const topic = `sdk-${compression}`;
    await strata.admin().createTopic({ name: topic, partitions: 1 });
    const producer = strata.producer({ compression, lingerMs: 20 });
    // Enough to span several xerial chunks and LZ4 blocks in one batch.
    const values = Array.from({ length: 3000 }, (_, i) => `${compression} ${i} ${'payload '.repeat(i % 13)}`);
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i % 5}`, value })) });
    await producer.close();
    const c = await kcat(broker.bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toBe(values.map((v, i) => `k${i % 5}=${v}\n`).join(''));
  });
});
