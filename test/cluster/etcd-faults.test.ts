/**
 * The cluster's coordination survives the loss of an etcd member: a 3-member etcd, its raft
 * leader killed, the brokers keep their registrations and controller, topics can still be
 * created and a broker crash still fails over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../broker/cluster/cluster-node.js';
import { EtcdClusterMetadata } from '../../broker/cluster/etcd-metadata.js';
import { DEFAULT_LOG_CONFIG } from '../../broker/storage/log-config.js';
import { startEtcd, type EtcdCluster } from './harness/etcd.js';
import { crash, joinNode, until } from './harness/nodes.js';

let etcd: EtcdCluster;
const nodes: ClusterNode[] = [];

beforeAll(async () => { etcd = await startEtcd({ members: 3 }); });
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close().catch(() => undefined)));
  await etcd?.stop();
});

describe('etcd member loss', () => {
  it('keeps registrations, the controller and failover working when the etcd leader is killed', async () => {
    for (const id of [1, 2, 3]) nodes.push(await joinNode(etcd.url, id));
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    await until(() => nodes.every((n) => n.view.brokers.size === 3) && a.isController, 5_000, 'the cluster to form');
    const lost: number[] = [];
    for (const n of nodes) n.on('lease-lost', () => lost.push(n.nodeId));
    const md = new EtcdClusterMetadata(b, { logDefaults: DEFAULT_LOG_CONFIG, maxTopics: 100, maxPartitionsPerTopic: 100 });
    await md.createTopic({ name: 'before', partitions: 3, replicationFactor: 3, config: {} });

    const leader = await etcd.leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    await etcd.kill(leader);
    // etcd elects a new raft leader (~1 s) and extends every lease on promotion.
    await until(async () => (await etcd.leaderIndex()) >= 0, 10_000, 'a new etcd leader');
    await md.createTopic({ name: 'after', partitions: 3, replicationFactor: 3, config: {} });
    expect(lost).toEqual([]);
    expect(a.isController).toBe(true);
    expect(nodes.every((n) => n.view.brokers.size === 3)).toBe(true);

    // A broker crash is still noticed and failed over through the two remaining members.
    const p = [0, 1, 2].find((i) => md.partition('after', i)!.leader === 3)!;
    crash(c);
    await until(() => md.partition('after', p)!.leader !== 3, 8_000, 'failover with one etcd member down');
    expect(md.partition('after', p)!.leaderEpoch).toBe(1);

    // The killed member rejoins its cluster on its data dir.
    await etcd.restart(leader);
  }, 40_000);
});
