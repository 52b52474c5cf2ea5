/**
 * Membership, controller election, partition state and producer ids against a real etcd
 * (one member), with in-process cluster nodes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidReplicationFactorError, TopicAlreadyExistsError, UnknownTopicError } from '../../proto/errors.js';
import type { ClusterNode } from '../../broker/cluster/cluster-node.js';
import { Controller } from '../../broker/cluster/controller.js';
import { EtcdClusterMetadata } from '../../broker/cluster/etcd-metadata.js';
import { updateIsr } from '../../broker/cluster/isr-updater.js';
import { DEFAULT_LOG_CONFIG } from '../../broker/storage/log-config.js';
import { silentLogger } from '../../broker/logger.js';
import { startEtcd, type EtcdCluster } from './harness/etcd.js';
import { crash, joinNode, until } from './harness/nodes.js';

let etcd: EtcdCluster;
let prefixSeq = 0;
let url = '';
const nodes: ClusterNode[] = [];

beforeAll(async () => { etcd = await startEtcd(); });
afterAll(async () => { await etcd?.stop(); });
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close().catch(() => undefined)));
});

/** Each test gets its own key prefix: its own cluster in the shared etcd. */
async function cluster(ids: number[], opts: { uncleanLeaderElection?: boolean } = {}): Promise<ClusterNode[]> {
  url = `${etcd.url}/t${++prefixSeq}`;
  const out: ClusterNode[] = [];
  for (const id of ids) {
    const n = await joinNode(url, id, opts);
    nodes.push(n);
    out.push(n);
  }
  await until(() => out.every((n) => n.view.brokers.size === ids.length), 5_000, 'every node to see every broker');
  return out;
}

const metadataOf = (n: ClusterNode): EtcdClusterMetadata => new EtcdClusterMetadata(n, { logDefaults: DEFAULT_LOG_CONFIG, maxTopics: 100, maxPartitionsPerTopic: 100 });

describe('cluster membership on etcd', () => {
  it('registers every broker and elects exactly one controller, the oldest candidate', async () => {
    const [a, b, c] = await cluster([1, 2, 3]);
    await until(() => a!.isController, 5_000, 'the first broker to become controller');
    expect(b!.isController || c!.isController).toBe(false);
    for (const n of [a!, b!, c!]) {
      expect(n.controllerId()).toBe(1);
      expect([...n.view.brokers.keys()].sort()).toEqual([1, 2, 3]);
      expect(n.view.brokers.get(2)!.value.endpoints.ws).toBe('ws://127.0.0.1:10002');
    }
  });

  it('refuses a second live broker with the same node id', async () => {
    await cluster([1]);
    const started = Date.now();
    const dup = joinNode(url, 1, { joinTimeoutMs: 2_500 });
    await expect(dup).rejects.toThrow(InvalidConfigError);
    await expect(dup).rejects.toThrow(/node id 1 is held by another live broker/);
    expect(Date.now() - started).toBeGreaterThan(2_000); // it waited for a lease that might expire
  });

  it('moves the controllership when the controller crashes, with a higher epoch', async () => {
    const [a, b] = await cluster([1, 2]);
    await until(() => a!.isController, 5_000, 'broker 1 to lead');
    const oldEpoch = a!.activeController!.epoch;
    crash(a!);
    const tookMs = await until(() => b!.isController, 6_000, 'broker 2 to take over');
    expect(b!.activeController!.epoch).toBeGreaterThan(oldEpoch);
    expect(tookMs).toBeLessThan(4_000);
  });

  it('fences a deposed controller: its writes fail and it stops', async () => {
    const [a, b] = await cluster([1, 2]);
    await until(() => a!.isController, 5_000, 'broker 1 to lead');
    const md = metadataOf(b!);
    await md.createTopic({ name: 'fenced', partitions: 1, replicationFactor: 2, config: {} });
    // A controller object holding a fence that etcd no longer honours (a zombie's view of itself).
    const zombie = new Controller({
      client: b!.client, keys: b!.keys, view: b!.view, uncleanLeaderElection: false, logger: silentLogger(),
      fence: { candidateKey: `${b!.keys.controllerPrefix}dead`, epoch: 1n },
    });
    const deposed = new Promise<void>((resolve) => zombie.once('deposed', resolve));
    const before = b!.view.partition('fenced', 0)!;
    // Make the zombie want to write: it sees broker 1 as dead in a doctored live set.
    b!.view.brokers.delete(before.value.leader);
    zombie.start();
    await deposed;
    await zombie.stop();
    const res = await b!.client.get(b!.keys.partition('fenced', 0)).exec();
    expect(res.kvs[0]!.mod_revision).toBe(before.modRevision);
  });
});

describe('partition state on etcd', () => {
  it('creates a replicated topic with placed replicas and leaders, and refuses what cannot be placed', async () => {
    const [a] = await cluster([1, 2, 3]);
    const md = metadataOf(a!);
    const t = await md.createTopic({ name: 'orders', partitions: 3, replicationFactor: 3, config: {} });
    expect(t).toMatchObject({ partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 });
    const leaders = [0, 1, 2].map((p) => md.partition('orders', p)!);
    expect(new Set(leaders.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    for (const p of leaders) {
      expect(p.leaderEpoch).toBe(0);
      expect([...p.isr].sort()).toEqual([1, 2, 3]);
      expect(p.replicas[0]).toBe(p.leader);
    }
    await expect(md.createTopic({ name: 'orders', partitions: 1, config: {} })).rejects.toThrow(TopicAlreadyExistsError);
    await expect(md.createTopic({ name: 'wide', partitions: 1, replicationFactor: 4, config: {} })).rejects.toThrow(InvalidReplicationFactorError);
    await expect(md.createTopic({ name: 'strict', partitions: 1, replicationFactor: 2, minInsyncReplicas: 3, config: {} })).rejects.toThrow(InvalidConfigError);
    await expect(md.createTopic({ name: 'bad/name', partitions: 1, config: {} })).rejects.toThrow();
    expect(md.topicNames()).toEqual(['orders']);
    await md.deleteTopic('orders');
    await until(() => a!.view.partitions.size === 0 && a!.view.topics.size === 0, 5_000, 'the topic and its states to go');
    await expect(md.deleteTopic('orders')).rejects.toThrow(UnknownTopicError);
  });

  it('fails a crashed leader over to an ISR member with a bumped epoch, then gives leadership back to the preferred replica', async () => {
    const [a, b, c] = await cluster([1, 2, 3]);
    const md = metadataOf(b!);
    await md.createTopic({ name: 'fo', partitions: 3, replicationFactor: 3, config: {} });
    const p = [0, 1, 2].find((i) => md.partition('fo', i)!.leader === 3)!;
    crash(c!);
    const ms = await until(() => md.partition('fo', p)!.leader !== 3, 6_000, 'a new leader');
    const after = md.partition('fo', p)!;
    expect([1, 2]).toContain(after.leader);
    expect(after.leaderEpoch).toBe(1);
    expect(after.isr).not.toContain(3);
    expect(ms).toBeLessThan(4_000);
    // The other partitions lost 3 as a follower: it left their ISRs, their leaders kept their epochs.
    for (const q of [0, 1, 2].filter((i) => i !== p)) {
      await until(() => !md.partition('fo', q)!.isr.includes(3), 5_000, 'broker 3 to leave the ISR');
      expect(md.partition('fo', q)!.leaderEpoch).toBe(0);
    }
    // Broker 3 returns; its leader puts it back into the ISR once caught up; it leads again.
    const back = await joinNode(url, 3);
    nodes.push(back);
    const cur = md.partition('fo', p)!;
    const upd = await updateIsr(b!.client, b!.keys, 'fo', p, cur.leader, cur.leaderEpoch, [...cur.isr, 3]);
    expect(upd.ok).toBe(true);
    await until(() => md.partition('fo', p)!.leader === 3, 5_000, 'the preferred leader to return');
    expect(md.partition('fo', p)!.leaderEpoch).toBe(2);
    void a;
  });

  it('takes a partition offline when its whole ISR is gone, and elects outside the ISR only when unclean election is on', async () => {
    for (const unclean of [false, true]) {
      const [a, b] = await cluster([1, 2], { uncleanLeaderElection: unclean });
      const md = metadataOf(a!);
      await md.createTopic({ name: 'solo', partitions: 1, replicationFactor: 2, config: {} });
      const s = md.partition('solo', 0)!;
      const leaderNode = s.leader === 1 ? a! : b!;
      const other = s.leader === 1 ? b! : a!;
      // The follower falls out of the ISR, then the leader dies.
      const upd = await updateIsr(a!.client, a!.keys, 'solo', 0, s.leader, s.leaderEpoch, [s.leader]);
      expect(upd.ok).toBe(true);
      crash(leaderNode);
      const omd = metadataOf(other);
      await until(() => omd.partition('solo', 0)!.leaderEpoch === 1 && other.isController, 8_000, 'the controller to act');
      const st = omd.partition('solo', 0)!;
      if (unclean) expect(st).toMatchObject({ leader: other.nodeId, isr: [other.nodeId] });
      else expect(st).toMatchObject({ leader: -1, isr: [s.leader] });
      await Promise.all(nodes.splice(0).map((n) => n.close().catch(() => undefined)));
    }
  }, 40_000);

  it('lets a leader change the ISR only at its own epoch', async () => {
    const [a] = await cluster([1, 2, 3]);
    const md = metadataOf(a!);
    await md.createTopic({ name: 'cas', partitions: 1, replicationFactor: 3, config: {} });
    const s = md.partition('cas', 0)!;
    const follower = s.replicas.find((r) => r !== s.leader)!;
    const stale = await updateIsr(a!.client, a!.keys, 'cas', 0, s.leader, s.leaderEpoch + 1, [s.leader]);
    expect(stale.ok).toBe(false);
    const notLeader = await updateIsr(a!.client, a!.keys, 'cas', 0, follower, s.leaderEpoch, [follower]);
    expect(notLeader.ok).toBe(false);
    const ok = await updateIsr(a!.client, a!.keys, 'cas', 0, s.leader, s.leaderEpoch, [s.leader]);
    expect(ok.ok && ok.state.isr).toEqual([s.leader]);
    await expect(updateIsr(a!.client, a!.keys, 'cas', 0, s.leader, s.leaderEpoch, [follower])).rejects.toThrow(RangeError);
  });
});

describe('cluster-wide producer ids', () => {
  it('never hands the same id to two brokers, and continues above ids found in logs', async () => {
    const [a, b] = await cluster([1, 2]);
    const blocks = await Promise.all([...Array(10)].map((_, i) => (i % 2 ? a! : b!).producerIds.reserveBlock(100)));
    const starts = blocks.map((x) => x.start).sort((x, y) => x - y);
    expect(starts).toEqual([...Array(10)].map((_, i) => i * 100));
    expect(await a!.producerIds.ensureAbove(5_000)).toBe(5_001);
    expect(await b!.producerIds.ensureAbove(10)).toBe(5_001);
    expect((await b!.producerIds.reserveBlock(100)).start).toBe(5_001);
  });
});

describe('lease deadline', () => {
  it('suspends the lease on its own deadline when etcd stops answering, before etcd3 would call it lost', async () => {
    const [a] = await cluster([1]);
    expect(a!.leaseValid()).toBe(true);
    const suspended = new Promise<number>((resolve) => { const t = Date.now(); a!.once('lease-suspended', () => resolve(Date.now() - t)); });
    etcd.pause(0);
    try {
      const ms = await suspended;
      expect(ms).toBeLessThan(2_000); // TTL 2 s minus the margin, from the last answered keepalive
      expect(a!.leaseValid()).toBe(false);
    } finally {
      etcd.resume(0);
    }
    // etcd comes back within the TTL it had granted from its own clock: the lease lives on, and a
    // later keepalive answer resumes it (or it expired, and the node registers again).
    await until(() => a!.leaseValid(), 10_000, 'the lease to be usable again');
  }, 20_000);
});
