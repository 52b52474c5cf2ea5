/**
 * The producer's delivery deadline (deliveryTimeoutMs, Kafka's delivery.timeout.ms) with real
 * broker processes: every replica of a partition is killed, so the partition has no leader
 * while the rest of the cluster answers metadata. send() must fail with DeliveryTimeoutError
 * (retriable, the last failure as its cause) close to the deadline — not hang waiting for a
 * leader, not give up early on the retry count — and give its buffer back. When the replicas
 * return, the same producer writes again, and nothing is written twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { DeliveryTimeoutError, ErrorCode } from '../../proto/errors.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

const DELIVERY_TIMEOUT_MS = 3_000;
const RETRY_MAX_MS = 500;

describe('producer delivery timeout', () => {
  it('fails send() with DeliveryTimeoutError when every replica of the partition is down, and recovers when they return', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 1_000, initialRetryTimeMs: 50, maxRetryTimeMs: RETRY_MAX_MS } });
    await client.admin().createTopic({ name: 'dt', partitions: 1, replicationFactor: 2, minInsyncReplicas: 1 });
    const info = await client.admin().clusterInfo(['dt']);
    const replicas = info.topics[0]!.partitions[0]!.replicas;
    const other = cluster.ids.find((id) => !replicas.includes(id))!;
    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 5, deliveryTimeoutMs: DELIVERY_TIMEOUT_MS });
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'dt', messages: [{ value: `before-${i}` }] });

    for (const id of replicas) await cluster.kill(id);
    const startedAt = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      producer.send({ topic: 'dt', messages: Array.from({ length: 10 }, (_, j) => ({ value: `down-${i}-${j}` })) })
        .then(() => null, (err: unknown) => ({ err, atMs: Date.now() - startedAt }))));
    for (const o of outcomes) {
      expect(o, 'a send acknowledged with every replica down').not.toBeNull();
      expect(o!.err).toBeInstanceOf(DeliveryTimeoutError);
      const err = o!.err as DeliveryTimeoutError;
      expect(err.code).toBe(ErrorCode.DELIVERY_TIMEOUT);
      expect(err.retriable).toBe(true);
      expect(err.message).toMatch(/deliveryTimeoutMs 3000/);
      // Not before the deadline (the retry count was not what stopped it) — less a retry's
      // backoff at most: a retry that would come after the deadline is not made — and not long after.
      expect(o!.atMs).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS - RETRY_MAX_MS - 50);
      expect(o!.atMs).toBeLessThan(DELIVERY_TIMEOUT_MS + 2_500);
    }
    expect(producer.bufferedBytesNow).toBe(0);
    process.stderr.write(`delivery timeout: sends failed ${Math.min(...outcomes.map((o) => o!.atMs))}-${Math.max(...outcomes.map((o) => o!.atMs))} ms after the replicas died (deliveryTimeoutMs ${DELIVERY_TIMEOUT_MS})\n`);

    // The cluster's other broker says the partition has no leader all along.
    const c = new Strata({ brokers: cluster.url(other), retry: { retries: 0 } });
    expect((await c.admin().clusterInfo(['dt'])).topics[0]!.partitions[0]!.leader).toBe(-1);
    await c.close();

    for (const id of replicas) await cluster.restart(id);
    let after = 0;
    await until(async () => {
      try {
        await producer.send({ topic: 'dt', messages: [{ value: `after-${after}` }] });
        after++;
        return after >= 20;
      } catch (err) {
        expect(err).toBeInstanceOf(DeliveryTimeoutError);
        return false;
      }
    }, 60_000, 'the same producer writing again once the replicas are back');
    await producer.close();

    const reader = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    const end = (await reader.admin().listOffsets('dt', 0, 'latest')).offset;
    const consumer = reader.consumer({ decode: 'utf8', maxWaitMs: 100 });
    await consumer.assign({ topic: 'dt', partition: 0, offset: 'earliest' });
    const values: string[] = [];
    for await (const r of consumer) {
      values.push(r.value!);
      if (values.length >= end) break;
    }
    await consumer.close();
    await reader.close();
    expect(new Set(values).size, 'a value written twice').toBe(values.length);
    for (let i = 0; i < 20; i++) expect(values).toContain(`before-${i}`);
    for (let i = 0; i < after; i++) expect(values).toContain(`after-${i}`);
    await client.close();
  }, 120_000);
});
