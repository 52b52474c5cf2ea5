/** BrokerStats (oneof 100), what the console's Overview polls: totals match what was produced and fetched. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';

describe('admin.brokerStats()', () => {
  let b: TestBroker;
  let client: Strata;
  beforeAll(async () => {
    b = await startTestBroker();
    client = new Strata({ brokers: b.url });
  });
  afterAll(async () => {
    await client.close();
    await b.stop();
  });

  it('reports the version, listeners, flush policy and the records produced and fetched since start', async () => {
    const before = await client.admin().brokerStats();
    expect(before.recordsIn).toBe(0);
    expect(before.listeners.ws).toBe(b.url);
    expect(before.brokerVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(before.nowMs).toBeGreaterThanOrEqual(before.startedAtMs);
    await client.admin().createTopic({ name: 'counted', partitions: 2 });
    await client.producer().send({ topic: 'counted', messages: Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: 'v' })) });
    const consumer = client.consumer();
    await consumer.assign({ topic: 'counted', offset: 'earliest' });
    let n = 0;
    for await (const _ of consumer) if (++n === 25) break;
    await consumer.close();
    const after = await client.admin().brokerStats();
    expect(after.recordsIn).toBe(25);
    expect(after.recordsOut).toBeGreaterThanOrEqual(25);
    expect(after.bytesIn).toBeGreaterThan(0);
    expect(after.topics).toBe(1);
    expect(after.partitions).toBe(2);
    expect(after.dataBytes).toBeGreaterThan(0);
    expect(after.flushPolicy).toBe(b.broker.config.log.flushPolicy);
    expect(after.connections).toBeGreaterThanOrEqual(1);
  });
});
