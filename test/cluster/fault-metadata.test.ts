/**
 * What the cluster says about itself and whom it trusts, with real broker processes on a real
 * etcd: `strata topic describe` per partition (leader, epoch, replicas, ISR, offline replicas,
 * text and JSON) before and after a broker dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3, args: ['--replica-lag-ms', '1500'] }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

interface DescribedPartition { partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[]; offlineReplicas: number[] }

async function describeJson(topic: string): Promise<{ replicationFactor: number; minInsyncReplicas: number; partitions: DescribedPartition[] }> {
  const res = await cluster.cli(['topic', 'describe', topic, '--format', 'json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout);
}

describe('strata topic describe in a cluster', () => {
  it('shows per partition leader, epoch, replicas, ISR and offline replicas, in text and JSON', async () => {
    const created = await cluster.cli(['topic', 'create', 'desc', '--partitions', '2', '--replication-factor', '3', '--min-insync-replicas', '2']);
    expect(created.code, created.stderr).toBe(0);
    await until(async () => (await describeJson('desc')).partitions.every((p) => p.isr.length === 3), 15_000, 'full ISRs');
    const d = await describeJson('desc');
    expect(d.replicationFactor).toBe(3);
    expect(d.minInsyncReplicas).toBe(2);
    expect(d.partitions.map((p) => p.partition)).toEqual([0, 1]);
    for (const p of d.partitions) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect(p.replicas).toContain(p.leader);
      expect(p.leaderEpoch).toBeGreaterThanOrEqual(0);
      expect(p.offlineReplicas).toEqual([]);
    }
    const text = await cluster.cli(['topic', 'describe', 'desc']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/replication factor 3, min\.insync\.replicas 2/);
    expect(text.stdout).toMatch(/PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+OFFLINE\s+START/);

    // The leader of partition 0 dies: another leads at a higher epoch, and the dead one is
    // shown offline and out of the ISR.
    const dead = d.partitions[0]!.leader;
    await cluster.kill(dead);
    await until(async () => {
      const p = (await describeJson('desc')).partitions[0]!;
      return p.leader > 0 && p.leader !== dead && !p.isr.includes(dead) && p.offlineReplicas.includes(dead);
    }, 20_000, 'the dead leader replaced and shown offline');
    const after = await describeJson('desc');
    expect(after.partitions[0]!.leaderEpoch).toBeGreaterThan(d.partitions[0]!.leaderEpoch);
    for (const p of after.partitions) expect(p.offlineReplicas).toEqual([dead]);
    const text2 = await cluster.cli(['topic', 'describe', 'desc']);
    const row = text2.stdout.split('\n').find((l) => /^0\s/.test(l))!;
    expect(row.split(/\s+/)[5]).toBe(String(dead)); // the OFFLINE column
    await cluster.restart(dead);
  }, 90_000);
});
