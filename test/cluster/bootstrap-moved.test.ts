/**
 * A client whose every bootstrap address is dead keeps finding the cluster: the brokers it
 * learned from Metadata are shared by all its routers (client/broker-directory.ts), so a
 * consumer or the admin client made after the brokers moved still finds them. Brokers here
 * restart on OS-picked ports, as a pod rescheduled elsewhere gets another address. (The long
 * fault run found this: its checking consumer and admin, made after twenty faults had moved
 * every broker, retried the dead bootstrap list forever.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

const TOPIC = 'moved';
const PARTITIONS = 3;
const PER_PARTITION = 10;

describe('a client whose bootstrap brokers all moved', () => {
  it('finds the cluster through the brokers it learned, for routers made after the move', async () => {
    const created = await cluster.cli(['topic', 'create', TOPIC, '--partitions', String(PARTITIONS), '--replication-factor', '3']);
    expect(created.code, created.stderr).toBe(0);
    const bootstrap = cluster.url(1);
    // Few retries: a client that only knows the dead address fails within seconds.
    const client = new Strata({ brokers: bootstrap, retry: { retries: 6, initialRetryTimeMs: 100, maxRetryTimeMs: 500 } });
    try {
      const producer = client.producer({ acks: 'all' });
      for (let p = 0; p < PARTITIONS; p++) {
        await producer.send({ topic: TOPIC, messages: Array.from({ length: PER_PARTITION }, (_, i) => ({ value: `p${p}-${i}`, partition: p })) });
      }

      await cluster.kill(1);
      await cluster.restart(1);
      expect(cluster.url(1)).not.toBe(bootstrap);
      // The old address is dead for good: nothing listens there any more.
      const stale = new Strata({ brokers: bootstrap, retry: { retries: 0 }, connectTimeoutMs: 1_000 });
      await expect(stale.admin().listTopics()).rejects.toThrow();
      await stale.close().catch(() => undefined);

      // The admin client is made only now: its router starts from the dead bootstrap address.
      const ends = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => client.admin().listOffsets(TOPIC, p, 'latest')));
      expect(ends.map((e) => e.offset)).toEqual(new Array(PARTITIONS).fill(PER_PARTITION));

      const consumer = client.consumer({ decode: 'utf8', maxWaitMs: 100 });
      await consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: 'earliest' as const })));
      const read = new Set<string>();
      for await (const r of consumer) {
        read.add(r.value!);
        if (read.size === PARTITIONS * PER_PARTITION) break;
      }
      await consumer.close();
      expect(read.size).toBe(PARTITIONS * PER_PARTITION);

      // Metadata through the admin client keeps working: it names broker 1 at its new address.
      await until(async () => (await client.admin().clusterInfo([TOPIC])).brokers.filter((b) => b.alive).length === 3, 30_000, 'broker 1 live again');
    } finally {
      await client.close();
    }
  }, 60_000);
});
