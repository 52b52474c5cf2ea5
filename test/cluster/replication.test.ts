/**
 * Replication on real partitions and a real etcd, brokers in one process: followers copy the
 * leader's batches byte for byte, acks=all waits for the ISR, a crashed leader fails over to an
 * ISR member that holds every acknowledged record, and the old leader's unreplicated tail is
 * cut when it returns (KIP-101).
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { NotEnoughReplicasError, NotLeaderOrFollowerError } from '../../proto/errors.js';
import { EtcdClusterMetadata } from '../../broker/cluster/etcd-metadata.js';
import { DEFAULT_LOG_CONFIG } from '../../broker/storage/log-config.js';
import { logBytes, records } from '../unit/replication/helpers.js';
import { startEtcd, type EtcdCluster } from './harness/etcd.js';
import { InProcessCluster } from './harness/in-process-replicas.js';
import { until } from './harness/nodes.js';

let etcd: EtcdCluster;
let cluster: InProcessCluster | null = null;
let seq = 0;

beforeAll(async () => { etcd = await startEtcd(); });
afterAll(async () => { await etcd?.stop(); });
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

async function threeBrokers(opts: { replicaLagMs?: number } = {}): Promise<{ c: InProcessCluster; md: EtcdClusterMetadata }> {
  const c = new InProcessCluster(`${etcd.url}/r${++seq}`, opts);
  cluster = c;
  for (const id of [1, 2, 3]) await c.start(id);
  await until(() => [...c.brokers.values()].every((b) => b.node.view.brokers.size === 3), 5_000, 'the cluster to form');
  const md = new EtcdClusterMetadata(c.brokers.get(1)!.node, { logDefaults: DEFAULT_LOG_CONFIG, maxTopics: 100, maxPartitionsPerTopic: 100 });
  return { c, md };
}

async function rolesSettled(c: InProcessCluster, topic: string, p: number, leader: number): Promise<void> {
  await until(() => [...c.brokers.values()].filter((b) => b.up).every((b) => {
    const r = b.manager.role(topic, p);
    return r !== undefined && (b.id === leader ? r.kind === 'leader' : r.kind === 'follower');
  }), 8_000, `roles of ${topic}-${p} under leader ${leader}`);
}

describe('replication between brokers', () => {
  it('answers acks=all once every ISR member holds the batch, and keeps replicas byte-identical', async () => {
    const { c, md } = await threeBrokers();
    await md.createTopic({ name: 'r', partitions: 1, replicationFactor: 3, config: {} });
    const leader = md.partition('r', 0)!.leader;
    await rolesSettled(c, 'r', 0, leader);
    const mgr = c.brokers.get(leader)!.manager;
    for (let i = 0; i < 20; i++) await mgr.produce('r', 0, records(`b${i}`, 5), 'all').committed;
    const lp = c.partition(leader, 'r', 0);
    expect(lp.highWatermark).toBe(100);
    const bytes = await logBytes(lp);
    for (const id of [1, 2, 3]) {
      const p = c.partition(id, 'r', 0);
      await until(() => p.logEndOffset === 100, 5_000, `replica ${id} to catch up`);
      expect((await logBytes(p)).equals(bytes), `replica ${id}`).toBe(true);
    }
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    expect(() => c.brokers.get(follower)!.manager.produce('r', 0, records('x', 1), 'all')).toThrow(NotLeaderOrFollowerError);
  });

  it('fails over without losing an acknowledged record, and cuts the old leader\'s unreplicated tail when it returns', async () => {
    const { c, md } = await threeBrokers();
    await md.createTopic({ name: 'fo', partitions: 1, replicationFactor: 3, config: {} });
    const old = md.partition('fo', 0)!.leader;
    await rolesSettled(c, 'fo', 0, old);
    for (let i = 0; i < 10; i++) await c.brokers.get(old)!.manager.produce('fo', 0, records(`a${i}`, 3), 'all').committed;
    // Followers stop fetching: cut them off, then the leader appends a tail nobody gets.
    const followers = [1, 2, 3].filter((id) => id !== old);
    for (const id of followers) await c.brokers.get(id)!.manager.stop();
    const lost = c.brokers.get(old)!.manager.produce('fo', 0, records('lost', 4), 'all');
    await lost.written;
    await c.crash(old);
    for (const id of followers) c.brokers.get(id)!.manager.start();
    await until(() => md.partition('fo', 0)!.leader !== old && md.partition('fo', 0)!.leader !== -1, 8_000, 'failover');
    const now = md.partition('fo', 0)!;
    expect(now.leaderEpoch).toBe(1);
    await rolesSettled(c, 'fo', 0, now.leader);
    const np = c.partition(now.leader, 'fo', 0);
    expect(np.logEndOffset).toBe(30);        // every acknowledged record, none of the lost tail
    await until(async () => {
      try {
        await c.brokers.get(now.leader)!.manager.produce('fo', 0, records('new', 2), 'all').committed;
        return true;
      } catch {
        return false;
      }
    }, 8_000, 'the first acknowledged produce on the new leader');
    // The old leader comes back as a follower: its tail 30..33 diverges and is cut.
    const oldPartition = c.partition(old, 'fo', 0);
    expect(oldPartition.logEndOffset).toBe(34);
    await c.start(old);
    await until(() => c.brokers.get(old)!.manager.role('fo', 0)?.kind === 'follower', 8_000, 'the old leader to follow');
    await until(() => oldPartition.logEndOffset === np.logEndOffset, 8_000, 'the old leader to converge');
    expect((await logBytes(oldPartition)).equals(await logBytes(np))).toBe(true);
    await until(() => md.partition('fo', 0)!.isr.length === 3, 8_000, 'the old leader to rejoin the ISR');
  }, 40_000);

  it('shrinks the ISR of a lagging follower, refuses acks=all below min.insync.replicas, and takes it back once caught up', async () => {
    const { c, md } = await threeBrokers({ replicaLagMs: 500 });
    await md.createTopic({ name: 'lag', partitions: 1, replicationFactor: 3, minInsyncReplicas: 3, config: {} });
    const leader = md.partition('lag', 0)!.leader;
    await rolesSettled(c, 'lag', 0, leader);
    const mgr = c.brokers.get(leader)!.manager;
    await mgr.produce('lag', 0, records('a', 1), 'all').committed;
    const slow = [1, 2, 3].find((id) => id !== leader)!;
    await c.brokers.get(slow)!.manager.stop();
    void mgr.produce('lag', 0, records('b', 1), 'all').committed.catch(() => undefined);
    await until(() => md.partition('lag', 0)!.isr.length === 2, 5_000, 'the lagging follower to leave the ISR');
    expect(() => mgr.produce('lag', 0, records('c', 1), 'all')).toThrow(NotEnoughReplicasError);
    c.brokers.get(slow)!.manager.start();
    await until(() => md.partition('lag', 0)!.isr.length === 3, 5_000, 'the follower to rejoin');
    await mgr.produce('lag', 0, records('d', 1), 'all').committed;
  }, 30_000);
});
