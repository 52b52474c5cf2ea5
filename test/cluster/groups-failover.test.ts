/**
 * Consumer groups in a cluster of three real broker processes and a real etcd: the offsets
 * topic is a replicated topic in etcd (RF 3), each group's coordinator is the leader of its
 * offsets partition; kill -9 of the coordinator's broker moves the group to the new leader,
 * which serves the committed offsets it replayed from its replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetStore } from '../../broker/groups/offset-store.js';
import { Strata, type GroupConsumer } from '../../client/index.js';
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

  it('keeps a group of two SDK consumers going across kill -9 of its coordinator: no committed offset lost or regressed, no record skipped', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 50 } });
    const members: GroupConsumer<string>[] = [];
    try {
      const TOPIC = 'gf';
      const GROUP = 'gf-group';
      const PARTITIONS = 3;
      const N = 900;
      await client.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 });
      const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 2 });
      const sends = [];
      for (let i = 0; i < N; i++) sends.push(producer.send({ topic: TOPIC, messages: [{ key: `k${i}`, value: `v${i}`, partition: i % PARTITIONS }] }));
      await Promise.all(sends);
      await producer.close();

      // Which broker coordinates the group: the leader of its offsets partition.
      const offsetsLeader = async (): Promise<number> => {
        const info = await cluster.cli(['cluster', 'info', '--topic', '__consumer_offsets', '--format', 'json']);
        const doc = JSON.parse(info.stdout) as InfoDoc;
        const index = OffsetStore.partitionFor(GROUP, OFFSETS_PARTITIONS);
        return doc.topics[0]!.partitions.find((p) => p.partition === index)!.leader;
      };
      const coordinator = await offsetsLeader();
      expect(cluster.ids).toContain(coordinator);

      // Two members, each recording what it was handed; a little work per record so the kill
      // lands mid-stream, frequent auto-commits so there is something committed to lose.
      const seen = new Map<string, number>();
      const loops: Promise<void>[] = [];
      for (let m = 0; m < 2; m++) {
        const member = client.consumer({
          groupId: GROUP, decode: 'utf8', autoOffsetReset: 'earliest', autoCommitIntervalMs: 100,
          sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitMs: 100,
        });
        members.push(member);
        await member.subscribe(TOPIC);
        loops.push((async () => {
          for await (const r of member) {
            seen.set(r.value!, (seen.get(r.value!) ?? 0) + 1);
            await new Promise((res) => setTimeout(res, 3));
          }
        })());
      }
      await until(() => seen.size >= N / 3, 30_000, 'a third of the records to be consumed');
      const before = await members[0]!.committed(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: TOPIC, partition: p })));
      expect(before.some((c) => c.offset > 0)).toBe(true);

      // The new coordinator knows nothing of the old members: they rejoin under new member ids.
      const idsBefore = members.map((m) => m.memberId);
      await cluster.kill(coordinator);
      const killedAt = Date.now();
      // Failover as the group sees it: a new offsets-partition leader, then both members in one
      // new generation owning every partition.
      const [movedMs, rejoinedMs] = await Promise.all([
        until(async () => (await offsetsLeader()) !== coordinator, 30_000, 'a new leader of the offsets partition'),
        until(() => {
          const owned = members.flatMap((m) => m.assignment());
          return owned.length === PARTITIONS && members[0]!.generationId === members[1]!.generationId
            && members.every((m, i) => m.memberId !== '' && m.memberId !== idsBefore[i]);
        }, 60_000, 'both members rejoined in one generation on the new coordinator'),
      ]);

      // The group moves to the new leader of its offsets partition and finishes the topic.
      await until(() => seen.size === N, 60_000, 'every record to be consumed after the failover');
      const after = await members[0]!.committed(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: TOPIC, partition: p })));
      const moved = await offsetsLeader();
      expect(moved).not.toBe(coordinator);
      for (let p = 0; p < PARTITIONS; p++) {
        // Committed offsets never go back: the new coordinator has every acknowledged commit.
        expect(after[p]!.offset).toBeGreaterThanOrEqual(before[p]!.offset);
      }
      // At least once: every record handed out; duplicates only from after the last commit.
      for (let i = 0; i < N; i++) expect(seen.get(`v${i}`), `v${i}`).toBeGreaterThanOrEqual(1);
      const duplicates = [...seen.values()].reduce((a, n) => a + n - 1, 0);
      expect(duplicates).toBeLessThan(N);
      // Both members end in the same generation on the new coordinator, owning all partitions between them.
      await until(async () => {
        const owned = members.flatMap((m) => m.assignment());
        return owned.length === PARTITIONS && members[0]!.generationId === members[1]!.generationId;
      }, 20_000, 'both members in one generation owning every partition');
      // The members keep consuming (re-delivered records included) until every partition's end is committed.
      await until(async () => {
        const c = await members[0]!.committed(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: TOPIC, partition: p })));
        return c.every((x) => x.offset === N / PARTITIONS);
      }, 20_000, 'the final offsets to be committed');
      // Group admin calls reach the coordinator whichever broker the admin connection is to.
      const admin = client.groupAdmin();
      const described = await admin.describeGroup(GROUP);
      expect(described.members).toHaveLength(2);
      expect(described.partitions.map((p) => p.committedOffset)).toEqual(Array.from({ length: PARTITIONS }, () => N / PARTITIONS));
      expect((await admin.listGroups()).map((g) => g.groupId)).toContain(GROUP);
      const cliDescribe = await cluster.cli(['group', 'describe', GROUP, '--format', 'json']);
      expect(cliDescribe.code, cliDescribe.stderr).toBe(0);
      console.log(`groups failover: kill -9 of coordinator ${coordinator} → new offsets leader ${moved} in cluster info after ${movedMs} ms, `
        + `group rejoined (one generation, all partitions owned) after ${rejoinedMs} ms, all ${N} records consumed and committed after ${Date.now() - killedAt} ms; ${duplicates} re-delivered`);
      // The killed broker returns; once back in the ISR it leads its offsets partition again
      // (preferred leader), replays it, and the group moves back with its offsets intact.
      await cluster.restart(coordinator);
      await until(async () => (await offsetsLeader()) === coordinator, 60_000, 'the preferred leader to coordinate the group again');
      await until(async () => {
        const owned = members.flatMap((m) => m.assignment());
        return owned.length === PARTITIONS && members[0]!.generationId === members[1]!.generationId;
      }, 30_000, 'both members in one generation on the returned coordinator');
      await until(async () => {
        const c = await members[0]!.committed(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: TOPIC, partition: p })));
        return c.every((x) => x.offset === N / PARTITIONS);
      }, 20_000, 'the final offsets at the returned coordinator');
      await Promise.all(members.map((m) => m.close()));
      await Promise.all(loops);
    } finally {
      await Promise.all(members.map((m) => m.close().catch(() => undefined)));
      await client.close();
    }
  }, 180_000);
});
