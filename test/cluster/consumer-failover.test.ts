/**
 * How soon a consumer follows a leader change (kill -9 of the leader, real broker processes on a
 * real etcd): records acknowledged by the new leader reach a tailing consumer promptly, because
 * a partition whose leader's connection failed is not fetched through that connection's
 * reconnect backoff; its leader is looked up again meanwhile and fetched as soon as a reachable
 * one is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

/**
 * Bound on (consumer reads the first record acknowledged after the kill) - (its ack). A Metadata
 * round, a fetch round (maxWaitMs 100) and one short retry (the new leader may refuse until it
 * has applied its election) fit well inside on a loaded machine; a consumer that retried against
 * the dead broker during the ~2 s election waits out a 6 s backoff.
 */
const LAG_MS_MAX = 1_500;

describe('consumer after a leader dies', () => {
  it('reads what the new leader acknowledged without waiting on the dead broker', async () => {
    const client = new Strata({ brokers: cluster.bootstrap() });
    // A steep backoff (0.1, 0.8, then 6 s): a consumer that spends fetch retries on the dead
    // broker during the election reaches the long ones; one that waits for a reachable leader does not.
    const reader = new Strata({ brokers: cluster.bootstrap(), retry: { initialRetryTimeMs: 100, multiplier: 8, maxRetryTimeMs: 6_000 } });
    try {
      await client.admin().createTopic({ name: 'tail', partitions: 1, replicationFactor: 3 });
      const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
      for (let i = 0; i < 20; i++) await producer.send({ topic: 'tail', messages: [{ value: `before${i}` }] });
      const consumer = reader.consumer({ decode: 'utf8', maxWaitMs: 100 });
      await consumer.assign({ topic: 'tail', partition: 0, offset: 'earliest' });
      const readAt = new Map<string, number>();
      const tail = (async () => {
        for await (const r of consumer) {
          readAt.set(r.value!, Date.now());
          if (r.value === 'after') return;
        }
      })();
      const leader = (await client.admin().describeTopic('tail')).partitions[0]!.leader;
      expect(leader).toBeGreaterThan(0);
      const until = Date.now() + 10_000;
      while (!readAt.has('before19') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(readAt.has('before19')).toBe(true);

      const killedAt = Date.now();
      await cluster.kill(leader);
      await producer.send({ topic: 'tail', messages: [{ value: 'after' }] });
      const ackedAt = Date.now();
      await tail;
      const lagMs = readAt.get('after')! - ackedAt;
      process.stderr.write(`consumer failover: record acknowledged ${ackedAt - killedAt} ms after kill -9, read ${lagMs} ms after its ack\n`);
      expect(lagMs).toBeLessThan(LAG_MS_MAX);
      await consumer.close();
      await producer.close();
    } finally {
      await reader.close();
      await client.close();
    }
  }, 60_000);
});
