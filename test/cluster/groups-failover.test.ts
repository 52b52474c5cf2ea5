/**
 * Consumer groups in a cluster of three real broker processes and a real etcd: the offsets
 * topic is a replicated topic in etcd (RF 3), each group's coordinator is the leader of its
 * offsets partition; kill -9 of the coordinator's broker moves the group to the new leader,
 * which serves the committed offsets and restores the group's membership (generation, member
 * ids, assignments) from the group-metadata record it replayed from its replica: the members
 * carry on without a rebalance, and a static member restarted meanwhile gets its place back.
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
    const ready = (d: InfoDoc): boolean => {
      const t = d.topics.find((x) => x.name === '__consumer_offsets');
      return t !== undefined && t.partitions.length === OFFSETS_PARTITIONS && t.partitions.every((p) => p.leader > 0 && p.isr.length === 3);
    };
    // Polled through the SDK in this process (the same ClusterInfo); the CLI's JSON is read once it holds.
    await until(async () => {
      const c = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 0 } });
      try {
        return ready(await c.admin().clusterInfo(['__consumer_offsets']));
      } catch {
        return false;
      } finally {
        await c.close().catch(() => undefined);
      }
    }, 20_000, 'the offsets topic to have a leader and a full ISR on every partition');
    const info = await cluster.cli(['cluster', 'info', '--topic', '__consumer_offsets', '--format', 'json']);
    expect(info.code, info.stderr).toBe(0);
    const doc = JSON.parse(info.stdout) as InfoDoc;
    expect(ready(doc)).toBe(true);
    const t = doc.topics.find((x) => x.name === '__consumer_offsets')!;
    for (const p of t.partitions) expect(p.replicas.sort()).toEqual([1, 2, 3]);
    // Leaderships are spread: no broker coordinates every group.
    expect(new Set(t.partitions.map((p) => p.leader)).size).toBe(3);
    // Not a user's topic: deleting it is refused.
    const del = await cluster.cli(['topic', 'delete', '__consumer_offsets']);
    expect(del.code).not.toBe(0);
  }, 40_000);

  it('keeps a group of two SDK consumers in their generation across kill -9 of its coordinator: same member ids, nothing revoked or reassigned, no committed offset lost, no record skipped', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 50 } });
    const members: GroupConsumer<string>[] = [];
    try {
      const TOPIC = 'gf';
      const GROUP = 'gf-group';
      const PARTITIONS = 3;
      const N = 900;
      await client.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 });
      await produce(client, TOPIC, PARTITIONS, 0, N);

      const coordinator = (await offsetsLeader(GROUP))!;
      expect(cluster.ids).toContain(coordinator);

      // Two members, each recording what it was handed and every rebalance callback it saw; a
      // little work per record so the kill lands mid-stream, frequent auto-commits so there is
      // something committed to lose.
      const seen = new Map<string, number>();
      const events: string[] = [];
      const loops: Promise<void>[] = [];
      for (let m = 0; m < 2; m++) {
        const member = client.consumer({
          groupId: GROUP, decode: 'utf8', autoOffsetReset: 'earliest', autoCommitIntervalMs: 100,
          sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxWaitMs: 100,
          onPartitionsAssigned: (tps) => { events.push(`m${m} assigned ${tps.length}`); },
          onPartitionsRevoked: (tps) => { events.push(`m${m} revoked ${tps.length}`); },
          onPartitionsLost: (tps) => { events.push(`m${m} lost ${tps.length}`); },
        });
        members.push(member);
        await member.subscribe(TOPIC);
        loops.push(consume(member, seen, 3));
      }
      await until(() => settled(members, PARTITIONS), 30_000, 'both members in one generation owning every partition');
      await until(() => seen.size >= N / 3, 30_000, 'a third of the records to be consumed');
      expect(settled(members, PARTITIONS)).toBe(true);
      const before = await members[0]!.committed(partitionsOf(TOPIC, PARTITIONS));
      expect(before.some((c) => c.offset > 0)).toBe(true);
      const idsBefore = members.map((m) => m.memberId);
      const generation = members[0]!.generationId;
      const assignmentBefore = members.map((m) => names(m.assignment()));
      const eventsBefore = events.length;

      await cluster.kill(coordinator);
      const killedAt = Date.now();
      const movedMs = await until(() => movedFrom(GROUP, coordinator), 30_000, 'a new leader of the offsets partition');
      // The new coordinator restored the group from the offsets log: it describes the same
      // generation and members, and the members' commits are accepted there.
      const admin = client.groupAdmin();
      const servedMs = await until(async () => {
        const d = await admin.describeGroup(GROUP).catch(() => null);
        return d !== null && d.generationId === generation && d.members.length === 2;
      }, 30_000, 'the new coordinator to describe the restored group');
      await until(() => seen.size === N, 60_000, 'every record to be consumed after the failover');
      await until(async () => {
        const c = await members[0]!.committed(partitionsOf(TOPIC, PARTITIONS));
        return c.every((x) => x.offset === N / PARTITIONS);
      }, 30_000, 'the final offsets to be committed on the new coordinator');

      // No rebalance: same ids, same generation, same partitions, no listener called.
      expect(members.map((m) => m.memberId)).toEqual(idsBefore);
      expect(members.map((m) => m.generationId)).toEqual([generation, generation]);
      expect(members.map((m) => names(m.assignment()))).toEqual(assignmentBefore);
      expect(events.slice(eventsBefore)).toEqual([]);
      const described = await admin.describeGroup(GROUP);
      expect(described.generationId).toBe(generation);
      expect(described.members.map((m) => m.memberId).sort()).toEqual([...idsBefore].sort());
      expect(described.partitions.map((p) => p.committedOffset)).toEqual(Array.from({ length: PARTITIONS }, () => N / PARTITIONS));
      const after = await members[0]!.committed(partitionsOf(TOPIC, PARTITIONS));
      for (let p = 0; p < PARTITIONS; p++) expect(after[p]!.offset).toBeGreaterThanOrEqual(before[p]!.offset);
      // Nothing skipped; re-deliveries only from after the last commit (none expected: nobody lost a partition).
      for (let i = 0; i < N; i++) expect(seen.get(`v${i}`), `v${i}`).toBeGreaterThanOrEqual(1);
      const duplicates = [...seen.values()].reduce((a, n) => a + n - 1, 0);
      expect(duplicates).toBe(0);
      expect((await admin.listGroups()).map((g) => g.groupId)).toContain(GROUP);
      const cliDescribe = await cluster.cli(['group', 'describe', GROUP, '--format', 'json']);
      expect(cliDescribe.code, cliDescribe.stderr).toBe(0);
      const moved = await offsetsLeader(GROUP);
      console.log(`groups failover: kill -9 of coordinator ${coordinator} → new offsets leader ${moved} in cluster info after ${movedMs} ms, `
        + `restored group (generation ${generation}) described after ${servedMs} ms, all ${N} records consumed and committed after ${Date.now() - killedAt} ms; `
        + `${duplicates} re-delivered, 0 rebalances`);

      // The killed broker returns; once back in the ISR it leads its offsets partition again
      // (preferred leader), replays its replica, and the group moves back still in its generation.
      await cluster.restart(coordinator);
      await until(async () => (await offsetsLeader(GROUP)) === coordinator, 60_000, 'the preferred leader to coordinate the group again');
      await produce(client, TOPIC, PARTITIONS, N, 2 * N);
      await until(() => seen.size === 2 * N, 60_000, 'records produced after the move back to be consumed');
      await until(async () => {
        const c = await members[0]!.committed(partitionsOf(TOPIC, PARTITIONS));
        return c.every((x) => x.offset === (2 * N) / PARTITIONS);
      }, 30_000, 'the final offsets at the returned coordinator');
      expect(members.map((m) => m.memberId)).toEqual(idsBefore);
      expect(members.map((m) => m.generationId)).toEqual([generation, generation]);
      expect(events.slice(eventsBefore)).toEqual([]);
      expect((await admin.describeGroup(GROUP)).generationId).toBe(generation);
      await Promise.all(members.map((m) => m.close()));
      await Promise.all(loops);
    } finally {
      await Promise.all(members.map((m) => m.close().catch(() => undefined)));
      await client.close();
    }
  }, 240_000);

  it('gives a static member restarted across a coordinator move its old partitions in the same generation; the other member sees nothing', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 50 } });
    const members: GroupConsumer<string>[] = [];
    try {
      const TOPIC = 'gs';
      const GROUP = 'gs-group';
      const PARTITIONS = 4;
      await client.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 });
      await produce(client, TOPIC, PARTITIONS, 0, 400);
      const coordinator = (await offsetsLeader(GROUP))!;
      expect(cluster.ids).toContain(coordinator);
      const events: string[] = [];
      const seen = new Map<string, number>();
      const start = (m: string): GroupConsumer<string> => {
        const member = client.consumer({
          groupId: GROUP, groupInstanceId: m, decode: 'utf8', autoOffsetReset: 'earliest', autoCommitIntervalMs: 100,
          sessionTimeoutMs: 20_000, heartbeatIntervalMs: 500, maxWaitMs: 100,
          onPartitionsAssigned: (tps) => { events.push(`${m} assigned ${names(tps).join(',')}`); },
          onPartitionsRevoked: (tps) => { events.push(`${m} revoked ${names(tps).join(',')}`); },
          onPartitionsLost: (tps) => { events.push(`${m} lost ${names(tps).join(',')}`); },
        });
        members.push(member);
        return member;
      };
      const a = start('static-a');
      const b = start('static-b');
      await Promise.all([a.subscribe(TOPIC), b.subscribe(TOPIC)]);
      const loops = [consume(a, seen, 0), consume(b, seen, 0)];
      await until(() => settled([a, b], PARTITIONS), 30_000, 'both static members in one generation owning every partition');
      await until(() => seen.size === 400, 30_000, 'every record consumed');
      await until(async () => (await a.committed(partitionsOf(TOPIC, PARTITIONS))).every((c) => c.offset === 100), 20_000, 'offsets committed');
      const generation = a.generationId;
      const aPartitions = names(a.assignment());
      const bPartitions = names(b.assignment());
      const bId = b.memberId;
      const aId = a.memberId;
      // The static member stops (no LeaveGroup: it means to come back), then its coordinator dies.
      await a.close();
      await loops[0];
      await cluster.kill(coordinator);
      await until(() => movedFrom(GROUP, coordinator), 30_000, 'a new leader of the offsets partition');
      const eventsBefore = events.length;
      const again = start('static-a');
      await again.subscribe(TOPIC);
      loops.push(consume(again, seen, 0));
      expect(again.memberId).not.toBe(aId);
      expect(again.generationId).toBe(generation);
      expect(names(again.assignment())).toEqual(aPartitions);
      // The other member kept its id, generation and partitions, and was never told to rebalance.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(b.memberId).toBe(bId);
      expect(b.generationId).toBe(generation);
      expect(names(b.assignment())).toEqual(bPartitions);
      expect(events.slice(eventsBefore)).toEqual([`static-a assigned ${aPartitions.join(',')}`]);
      // Both consume what comes next from where the group left off.
      await produce(client, TOPIC, PARTITIONS, 400, 800);
      await until(() => seen.size === 800, 30_000, 'records produced after the restart');
      const duplicates = [...seen.values()].reduce((x, n) => x + n - 1, 0);
      expect(duplicates).toBe(0);
      await cluster.restart(coordinator);
      await Promise.all([again.close(), b.close()]);
      await Promise.all(loops);
    } finally {
      await Promise.all(members.map((m) => m.close().catch(() => undefined)));
      await client.close();
    }
  }, 180_000);
});

/** Which broker coordinates `group`: the leader of its offsets partition. */
/**
 * Leader of the group's offsets partition as the live brokers report it: the ClusterInfo the
 * CLI's `cluster info` makes, from an SDK client in this process (a poll starts no node
 * process). -1 while there is none, null while no broker answers.
 */
async function offsetsLeader(group: string): Promise<number | null> {
  const c = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 0 } });
  try {
    const info = await c.admin().clusterInfo(['__consumer_offsets']);
    const index = OffsetStore.partitionFor(group, OFFSETS_PARTITIONS);
    return info.topics[0]?.partitions.find((p) => p.partition === index)?.leader ?? null;
  } catch {
    return null;
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** The leader changed from `from` to a live broker. */
async function movedFrom(group: string, from: number): Promise<boolean> {
  const l = await offsetsLeader(group);
  return l !== null && l > 0 && l !== from;
}

/** Records v<from>..v<to-1>, record i to partition i % partitions, idempotent acks=all. */
async function produce(client: Strata, topic: string, partitions: number, from: number, to: number): Promise<void> {
  const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 2 });
  const sends = [];
  for (let i = from; i < to; i++) sends.push(producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}`, partition: i % partitions }] }));
  await Promise.all(sends);
  await producer.close();
}

/** Counts every record the member is handed, working `workMs` on each. */
async function consume(member: GroupConsumer<string>, seen: Map<string, number>, workMs: number): Promise<void> {
  for await (const r of member) {
    seen.set(r.value!, (seen.get(r.value!) ?? 0) + 1);
    if (workMs > 0) await new Promise((res) => setTimeout(res, workMs));
  }
}

/** Every member in one generation, owning every partition between them. */
function settled(members: readonly GroupConsumer<string>[], partitions: number): boolean {
  const owned = members.flatMap((m) => m.assignment());
  return owned.length === partitions && members.every((m) => m.generationId === members[0]!.generationId && m.generationId > 0);
}

function partitionsOf(topic: string, partitions: number): Array<{ topic: string; partition: number }> {
  return Array.from({ length: partitions }, (_, p) => ({ topic, partition: p }));
}

function names(list: ReadonlyArray<{ topic: string; partition: number }>): string[] {
  return list.map((tp) => `${tp.topic}-${tp.partition}`).sort();
}
