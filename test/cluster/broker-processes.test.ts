/**
 * Three real broker processes (`strata broker start --node-id N --cluster etcd://...`) and a
 * real etcd on loopback: topics created through any broker, followers fetching their leader's
 * batches over the broker-to-broker protocol, the SDK routing each partition to its leader from
 * a bootstrap list, and replicas byte-identical on disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

/** Leader, epoch and ISR of every partition of `topic`, as broker `id` reports them. */
async function describeTopic(client: Strata, topic: string) {
  const [t] = await client.admin().describeTopics([topic]);
  return t!;
}

describe('a cluster of three broker processes', () => {
  it('creates an RF=3 topic from the CLI and refuses a replication factor above the live brokers', async () => {
    const ok = await cluster.cli(['topic', 'create', 'cli-rf3', '--partitions', '3', '--replication-factor', '3']);
    expect(ok.code, ok.stderr).toBe(0);
    const refused = await cluster.cli(['topic', 'create', 'cli-rf4', '--replication-factor', '4']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('InvalidReplicationFactorError');
    expect(refused.stderr).toContain('larger than the 3 live brokers');
  });

  it('replicates acknowledged records byte for byte to every replica, each partition written through its leader', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 10 } });
    try {
      await client.admin().createTopic({ name: 'rf3', partitions: 3, replicationFactor: 3 });
      const t = await describeTopic(client, 'rf3');
      // Placement spreads the leaders: one partition per broker.
      expect(new Set(t.partitions.map((p) => p.leader)).size).toBe(3);
      const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 2 });
      const N = 3_000;
      const sends = [];
      for (let i = 0; i < N; i++) sends.push(producer.send({ topic: 'rf3', messages: [{ key: `k${i}`, value: `v${i}`, partition: i % 3 }] }));
      const acked = (await Promise.all(sends)).flat();
      expect(acked).toHaveLength(N);
      await producer.close();
      for (let p = 0; p < 3; p++) {
        const offsets = acked.filter((m) => m.partition === p).map((m) => m.offset).sort((a, b) => a - b);
        expect(offsets).toEqual(Array.from({ length: N / 3 }, (_, i) => i));
      }
      // Followers fetch continuously; give the last fetch a moment, then compare the files.
      for (let p = 0; p < 3; p++) {
        await until(async () => {
          const [a, b, c] = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'rf3', p)));
          return a!.length > 0 && a!.equals(b!) && a!.equals(c!);
        }, 10_000, `replicas of rf3-${p} to be byte-identical`);
      }
      // strata cluster info: every broker alive, a controller, each partition's leader, full ISR
      // and the leader's high watermark.
      const info = await cluster.cli(['cluster', 'info', '--topic', 'rf3', '--format', 'json']);
      expect(info.code, info.stderr).toBe(0);
      const doc = JSON.parse(info.stdout) as { controllerId: number; brokers: Array<{ alive: boolean }>; topics: Array<{ partitions: Array<{ leader: number; replicas: number[]; isr: number[]; highWatermark: number }> }> };
      expect(doc.brokers.filter((b) => b.alive)).toHaveLength(3);
      expect(cluster.ids).toContain(doc.controllerId);
      for (const p of doc.topics[0]!.partitions) {
        expect(p.replicas).toHaveLength(3);
        expect(p.isr).toHaveLength(3);
        expect(p.highWatermark).toBe(N / 3);
      }
      // A consumer reading from the bootstrap list gets every record, from each leader.
      const consumer = client.consumer({ decode: 'utf8', maxWaitMs: 100 });
      await consumer.assign({ topic: 'rf3', offset: 'earliest' });
      const seen = new Set<string>();
      for await (const r of consumer) {
        seen.add(r.value!);
        if (seen.size === N) break;
      }
      expect(seen.size).toBe(N);
      await consumer.close();
    } finally {
      await client.close();
    }
  }, 60_000);
});
