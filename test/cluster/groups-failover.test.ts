/**
 * Consumer groups in a cluster of three real broker processes and a real etcd: the offsets
 * topic is a replicated topic in etcd (RF 3), each group's coordinator is the leader of its
 * offsets partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

const OFFSETS_PARTITIONS = 6;

let cluster: BrokerCluster;

beforeAll(async () => {
  cluster = await startBrokerCluster({ brokers: 3, args: ['--offsets-topic-partitions', String(OFFSETS_PARTITIONS)] });
}, 60_000);
afterAll(async () => { await cluster?.stop(); });

interface InfoDoc {
  topics: Array<{ name: string; partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }> }>;
}

describe('consumer groups in a cluster', () => {
  it('creates __consumer_offsets as a replicated topic (RF 3, full ISR) once three brokers are live', async () => {
    let doc: InfoDoc | null = null;
    await until(async () => {
      const info = await cluster.cli(['cluster', 'info', '--topic', '__consumer_offsets', '--format', 'json']);
      if (info.code !== 0) return false;
      doc = JSON.parse(info.stdout) as InfoDoc;
      const t = doc.topics.find((x) => x.name === '__consumer_offsets');
      return t !== undefined && t.partitions.length === OFFSETS_PARTITIONS && t.partitions.every((p) => p.leader > 0 && p.isr.length === 3);
    }, 20_000, 'the offsets topic to have a leader and a full ISR on every partition');
    const t = doc!.topics.find((x) => x.name === '__consumer_offsets')!;
    for (const p of t.partitions) expect(p.replicas.sort()).toEqual([1, 2, 3]);
    // Leaderships are spread: no broker coordinates every group.
    expect(new Set(t.partitions.map((p) => p.leader)).size).toBe(3);
    // Not a user's topic: deleting it is refused.
    const del = await cluster.cli(['topic', 'delete', '__consumer_offsets']);
    expect(del.code).not.toBe(0);
  }, 40_000);
});
