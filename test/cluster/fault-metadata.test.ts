/**
 * What the cluster says about itself and whom it trusts, with real broker processes on a real
 * etcd: `strata topic describe` per partition (leader, epoch, replicas, ISR, offline replicas,
 * text and JSON) before and after a broker dies; producer ids (issue 17's forged-id refusal) —
 * a leader accepts ids any broker of the cluster issued, also after a failover, and refuses ids
 * nobody issued; a topic deleted while a broker was down and created again: that broker drops
 * its old replicas (topic id in partition.metadata) instead of serving them as the new topic's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata, type TopicDescription } from '../../client/index.js';
import { ErrorCode } from '../../proto/errors.js';
import { pb } from '../../proto/messages.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { RawClient } from '../integration/broker/raw-client.js';
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

/**
 * The topic as the live brokers describe it, through the SDK in this process (the same
 * DescribeTopic the CLI makes): what the waits poll, so a poll does not start a node process;
 * the CLI's own output is checked where the test is about it. null while no broker answers.
 */
async function described(topic: string): Promise<TopicDescription | null> {
  const c = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 0 } });
  try {
    return await c.admin().describeTopic(topic);
  } catch {
    return null;
  } finally {
    await c.close().catch(() => undefined);
  }
}

describe('strata topic describe in a cluster', () => {
  it('shows per partition leader, epoch, replicas, ISR and offline replicas, in text and JSON', async () => {
    const created = await cluster.cli(['topic', 'create', 'desc', '--partitions', '2', '--replication-factor', '3', '--min-insync-replicas', '2']);
    expect(created.code, created.stderr).toBe(0);
    await until(async () => (await described('desc'))?.partitions.every((p) => p.isr.length === 3) ?? false, 15_000, 'full ISRs');
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
      const p = (await described('desc'))?.partitions[0];
      return !!p && p.leader > 0 && p.leader !== dead && !p.isr.includes(dead) && p.offlineReplicas.includes(dead);
    }, 20_000, 'the dead leader replaced and shown offline');
    const after = await describeJson('desc');
    expect(after.partitions[0]!.leaderEpoch).toBeGreaterThan(d.partitions[0]!.leaderEpoch);
    for (const p of after.partitions) expect(p.offlineReplicas).toEqual([dead]);
    const text2 = await cluster.cli(['topic', 'describe', 'desc']);
    const row = text2.stdout.split('\n').find((l) => /^0\s/.test(l))!;
    expect(row.split(/\s+/)[5]).toBe(String(dead)); // the OFFLINE column
    await cluster.restart(dead);
  }, 90_000);

  it('a leader accepts producer ids any broker issued, before and after a failover, and refuses ids never issued', async () => {
    const created = await cluster.cli(['topic', 'create', 'pid', '--replication-factor', '3']);
    expect(created.code, created.stderr).toBe(0);
    await until(async () => {
      const p = (await described('pid'))?.partitions[0];
      return !!p && p.isr.length === 3 && cluster.alive(p.leader);
    }, 20_000, 'a full ISR');
    const leader = (await described('pid'))!.partitions[0]!.leader;
    const [other, third] = cluster.ids.filter((id) => id !== leader);
    // A broker the cluster's metadata names as the new leader may answer NOT_LEADER_OR_FOLLOWER
    // (retriable, nothing appended) for a moment before it has taken the partition over; a
    // client retries that, and so does this, for a bounded time. Any other answer is final.
    const produceTo = async (raw: RawClient, producerId: number, seq: number, value: string): Promise<number> => {
      const records = encodeRecordBatch([{ value: Buffer.from(value) }], { producerId, producerEpoch: 0, baseSequence: seq });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await raw.request({ produce: { acks: pb.Acks.ACKS_ALL, timeoutMs: 5_000, topics: [{ name: 'pid', partitions: [{ partition: 0, records }] }] } });
        const code = res.produce!.topics![0]!.partitions![0]!.error?.code ?? 0;
        if (code !== ErrorCode.NOT_LEADER_OR_FOLLOWER || Date.now() > deadline) return code;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const initId = async (id: number): Promise<number> => {
      const raw = await RawClient.connect(cluster.url(id));
      try {
        return Number((await raw.request({ initProducerId: {} })).initProducerId!.producerId);
      } finally {
        raw.close();
      }
    };
    // Issued by a broker that does not lead the partition, from a block the leader never saw reserved.
    const fromOther = await initId(other!);
    const fromLeader = await initId(leader);
    const forged = 50_000_000;
    let raw = await RawClient.connect(cluster.url(leader));
    expect(await produceTo(raw, fromOther, 0, 'other-0')).toBe(ErrorCode.NONE);
    expect(await produceTo(raw, fromLeader, 0, 'leader-0')).toBe(ErrorCode.NONE);
    expect(await produceTo(raw, forged, 0, 'forged')).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    raw.close();

    // The leader dies; its successor accepts both producers' next batches, the dead broker's
    // id included, and still refuses the forged one.
    await cluster.kill(leader);
    await until(async () => {
      const p = (await described('pid'))?.partitions[0];
      return !!p && p.leader > 0 && p.leader !== leader;
    }, 20_000, 'a new leader');
    const next = (await described('pid'))!.partitions[0]!.leader;
    expect([other, third]).toContain(next);
    raw = await RawClient.connect(cluster.url(next));
    expect(await produceTo(raw, fromOther, 1, 'other-1')).toBe(ErrorCode.NONE);
    expect(await produceTo(raw, fromLeader, 1, 'leader-1')).toBe(ErrorCode.NONE);
    expect(await produceTo(raw, forged, 0, 'forged')).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    // A retry of a batch the old leader acknowledged is a duplicate here, not a second record.
    expect(await produceTo(raw, fromOther, 0, 'other-0')).toBe(ErrorCode.NONE);
    const end = await raw.request({ listOffsets: { topics: [{ name: 'pid', partitions: [{ partition: 0, timestamp: -1 }] }] } });
    expect(Number(end.listOffsets!.topics![0]!.partitions![0]!.offset)).toBe(4);
    raw.close();
    await cluster.restart(leader);
  }, 90_000);

  it('a broker down while its topic was deleted drops the old data when the name is created again', async () => {
    const topic = 'again';
    const made = await cluster.cli(['topic', 'create', topic, '--partitions', '3', '--replication-factor', '3']);
    expect(made.code, made.stderr).toBe(0);
    await until(async () => (await described(topic))?.partitions.every((p) => p.isr.length === 3 && cluster.alive(p.leader)) ?? false, 20_000, 'full ISRs');
    const produced = await cluster.cli(['produce', topic], Array.from({ length: 30 }, (_, i) => `old-${i}`).join('\n') + '\n');
    expect(produced.code, produced.stderr).toBe(0);
    const replicasIdentical = async (): Promise<boolean> => {
      for (let p = 0; p < 3; p++) {
        const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, topic, p)));
        if (!bytes.every((b) => b.equals(bytes[0]!))) return false;
      }
      return true;
    };
    await until(replicasIdentical, 15_000, 'the old records on every replica');
    // Broker 2 is preferred leader of one of the three partitions (placement spreads leaders).
    const away = 2;
    await cluster.kill(away);
    const deleted = await cluster.cli(['topic', 'delete', topic]);
    expect(deleted.code, deleted.stderr).toBe(0);
    await cluster.restart(away);
    await until(async () => {
      const c = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 0 } });
      try {
        return (await c.admin().clusterInfo()).brokers.some((b) => b.nodeId === away && b.alive && b.url.startsWith('ws'));
      } catch {
        return false;
      } finally {
        await c.close().catch(() => undefined);
      }
    }, 15_000, 'broker 2 live again');
    const again = await cluster.cli(['topic', 'create', topic, '--partitions', '3', '--replication-factor', '3']);
    expect(again.code, again.stderr).toBe(0);
    // Every replica leads or follows with an empty log, broker 2 included (preferred leader of one).
    await until(async () => {
      const d = await described(topic);
      return !!d && d.partitions.every((p) => p.isr.length === 3 && p.leader === p.replicas[0]);
    }, 30_000, 'full ISRs, preferred leaders');
    expect((await described(topic))!.partitions.some((p) => p.leader === away)).toBe(true);
    const fresh = await cluster.cli(['produce', topic], 'new-0\nnew-1\nnew-2\n');
    expect(fresh.code, fresh.stderr).toBe(0);
    await until(replicasIdentical, 15_000, 'replicas identical');
    const read = await cluster.cli(['consume', topic, '-e']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout.split('\n').filter(Boolean).sort()).toEqual(['new-0', 'new-1', 'new-2']);
  }, 120_000);
});
