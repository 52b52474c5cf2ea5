/**
 * Consumer groups end to end against an in-process broker: splitting a topic among members,
 * handing partitions over when members leave, resuming from committed offsets, and the offset
 * reset policies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  NoOffsetForPartitionError, Strata, type AssignmentStrategy, type TopicPartition,
} from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { fill, Ledger, startMember, until, type Member } from './group-helpers.js';

let broker: TestBroker;
let strata: Strata;
let topicSeq = 0;

beforeAll(async () => {
  broker = await startTestBroker();
});

afterAll(async () => {
  await broker?.stop();
});

afterEach(async () => {
  await strata?.close();
});

async function newTopic(partitions: number, perPartition: number): Promise<string> {
  strata = new Strata({ brokers: broker.url });
  const topic = `t${++topicSeq}`;
  await strata.admin().createTopic({ name: topic, partitions });
  await fill(strata, topic, partitions, perPartition);
  return topic;
}

function names(tps: readonly TopicPartition[]): number[] {
  return tps.map((tp) => tp.partition).sort((a, b) => a - b);
}

describe.each(['cooperative-sticky', 'range', 'round-robin'] as AssignmentStrategy[])('group consumers (%s)', (strategy) => {
  it('three members of one group split six partitions two each and consume every record exactly once', async () => {
    const topic = await newTopic(6, 200);
    const ledger = new Ledger();
    const started = ['a', 'b', 'c'].map((n) => startMember(strata, n, topic, ledger, { groupId: `three-${strategy}`, strategy }));
    await Promise.all(started.map((s) => s.subscribed));
    await ledger.complete(6, 200);
    const members = started.map((s) => s.member);
    for (const m of members) expect(m.consumer.assignment()).toHaveLength(2);
    expect(members.flatMap((m) => names(m.consumer.assignment())).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(members.map((m) => m.consumer.generationId)).size).toBe(1);
    expect(ledger.total).toBe(1200);
    expect(ledger.duplicates()).toEqual([]);
    for (const m of members) expect(ledger.byMember.get(m.name)).toBe(400);
  });

  it('a member that leaves hands its partitions over: nothing skipped, nothing read twice', async () => {
    const topic = await newTopic(6, 300);
    const ledger = new Ledger();
    const group = `leave-${strategy}`;
    const opts = { groupId: group, strategy, autoCommitIntervalMs: 50, maxBytes: 2048, partitionMaxBytes: 1024 };
    const started = ['a', 'b', 'c'].map((n) => startMember(strata, n, topic, ledger, opts));
    await Promise.all(started.map((s) => s.subscribed));
    await ledger.reach(600);
    const [a, b, c] = started.map((s) => s.member) as [Member, Member, Member];
    const given = names(c.consumer.assignment());
    await c.consumer.close();
    await c.done;
    await ledger.complete(6, 300);
    // c committed everything it processed before leaving, so nobody re-reads its records.
    expect(ledger.duplicates()).toEqual([]);
    const taken = [...names(a.consumer.assignment()), ...names(b.consumer.assignment())].sort();
    expect(taken).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of given) expect(taken).toContain(p);
  });
});

describe('committed offsets', () => {
  it('a restarted group resumes from its committed offsets', async () => {
    const topic = await newTopic(3, 100);
    const first = new Ledger();
    const { member, subscribed } = startMember(strata, 'first', topic, first, { groupId: 'resume', autoCommit: false });
    await subscribed;
    await first.reach(150);
    await member.consumer.commit();
    const committed = await member.consumer.committed();
    await member.consumer.close();
    const expected = new Map(committed.map((c) => [c.partition, c.offset]));
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(150);

    const second = new Ledger();
    const next = startMember(strata, 'second', topic, second, { groupId: 'resume' });
    await next.subscribed;
    await until(() => second.total >= 300 - [...expected.values()].reduce((a, b) => a + b, 0), 10_000, 'the rest');
    // Exactly the records after each partition's committed offset, each once.
    for (const [key] of second.seen) {
      const [p, o] = key.split(':').map(Number);
      expect(o!).toBeGreaterThanOrEqual(expected.get(p!)!);
    }
    expect(second.total).toBe(300 - [...expected.values()].reduce((a, b) => a + b, 0));
    expect(second.duplicates()).toEqual([]);
  });

  it('autoOffsetReset latest starts at the end, none throws NoOffsetForPartitionError until seek()', async () => {
    const topic = await newTopic(1, 10);
    const latest = strata.consumer({ groupId: 'reset-latest', autoOffsetReset: 'latest', decode: 'utf8' });
    await latest.subscribe(topic);
    expect(latest.position({ topic, partition: 0 })).toBe(10);
    await latest.close();

    const none = strata.consumer({ groupId: 'reset-none', autoOffsetReset: 'none', decode: 'utf8' });
    await none.subscribe(topic);
    const it = none[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toBeInstanceOf(NoOffsetForPartitionError);
    await none.seek({ topic, partition: 0 }, 7);
    const r = await it.next();
    expect(r.value).toMatchObject({ partition: 0, offset: 7, value: 'p0-7' });
    await none.close();
  });

  it('calls the rebalance listeners, committing revoked partitions before the revoke hook runs', async () => {
    const topic = await newTopic(4, 50);
    const events: string[] = [];
    const ledger = new Ledger();
    const a = startMember(strata, 'a', topic, ledger, {
      groupId: 'listeners',
      onPartitionsAssigned: (tps) => { events.push(`a+${names(tps).join(',')}`); },
      onPartitionsRevoked: async (tps) => {
        const committed = await a.member.consumer.committed(tps);
        events.push(`a-${names(tps).join(',')}@${committed.map((c) => c.offset).join(',')}`);
      },
    });
    await a.subscribed;
    await ledger.complete(4, 50);
    const b = startMember(strata, 'b', topic, ledger, { groupId: 'listeners' });
    await b.subscribed;
    await until(() => a.member.consumer.assignment().length === 2 && b.member.consumer.assignment().length === 2, 5_000, 'rebalance');
    expect(events[0]).toBe('a+0,1,2,3');
    // Cooperative: only the two partitions that moved were revoked, each committed at its end.
    expect(events[1]).toMatch(/^a-\d,\d@50,50$/);
    expect(events).toHaveLength(2);
  });

  it('a new subscription takes effect at once, and a topic created later is picked up', async () => {
    const first = await newTopic(2, 5);
    const consumer = strata.consumer({ groupId: 'resubscribe', autoOffsetReset: 'earliest', heartbeatIntervalMs: 100 });
    await consumer.subscribe(first);
    expect(consumer.assignment()).toHaveLength(2);
    const later = `${first}-later`;
    await consumer.subscribe([first, later]);
    expect(consumer.assignment()).toHaveLength(2); // the second topic does not exist yet
    await strata.admin().createTopic({ name: later, partitions: 3 });
    await until(() => consumer.assignment().length === 5, 5_000, 'the new topic to be assigned');
    await consumer.close();
  });

  it('a member outlives a broker restart: the broker restores its membership from the offsets log, no rebalance, and it goes on from the committed offsets', async () => {
    const topic = await newTopic(2, 100);
    const ledger = new Ledger();
    const { member, subscribed } = startMember(strata, 'survivor', topic, ledger, { groupId: 'restart', autoCommitIntervalMs: 20 });
    await subscribed;
    await ledger.complete(2, 100);
    const before = member.consumer.memberId;
    await until(() => member.consumer.assignment().length === 2, 5_000, 'assignment');
    const generation = member.consumer.generationId;
    await new Promise((r) => setTimeout(r, 100)); // let an auto-commit cover everything read
    // Same directory and port, so the member's connection comes back to the new broker.
    const { dataDir, port } = broker;
    await broker.stop({ keepDir: true });
    broker = await startTestBroker({ dataDir, port });
    const producer = strata.producer({ lingerMs: 0 });
    await producer.send({ topic, messages: [{ value: 'after', partition: 0 }, { value: 'after', partition: 1 }] });
    await producer.close();
    await ledger.complete(2, 101);
    expect(ledger.duplicates()).toEqual([]);
    // The restarted broker knew the member: same id, same generation, both partitions kept.
    expect(member.consumer.memberId).toBe(before);
    expect(member.consumer.generationId).toBe(generation);
    expect(member.consumer.assignment()).toHaveLength(2);
    const described = await strata.groupAdmin().describeGroup('restart');
    expect(described.generationId).toBe(generation);
    expect(described.members.map((m) => m.memberId)).toEqual([before]);
  });
});

