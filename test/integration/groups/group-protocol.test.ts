/**
 * The group wire APIs against an in-process broker, driven request by request: generation
 * fencing of commits, commit validation, the admin APIs (list, describe with lag, reset,
 * delete), the hidden offsets topic, and offsets surviving a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../../client/connection.js';
import {
  GroupIdNotFoundError, GroupNotEmptyError, IllegalGenerationError, InvalidGroupIdError, RebalanceInProgressError,
  Strata, UnknownMemberIdError, UnknownTopicError,
} from '../../../client/index.js';
import { commitOffsets, fetchOffsets, heartbeat, joinGroup, type JoinParams } from '../../../client/group/group-requests.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { fill } from './group-helpers.js';

let broker: TestBroker;
let strata: Strata;
const conns: Connection[] = [];

function connect(): Connection {
  const conn = new Connection({
    url: broker.url, clientId: 'protocol-test', connectTimeoutMs: 2_000, requestTimeoutMs: 10_000,
    inFlightRequestsMax: 32, queuedRequestsMax: 100,
  });
  conns.push(conn);
  return conn;
}

function join(conn: Connection, groupId: string, memberId = '', extra: Partial<JoinParams> = {}) {
  return joinGroup(conn, {
    groupId, memberId, clientId: 'raw', topics: ['orders'], strategy: 'range', sessionTimeoutMs: 5_000,
    rebalanceTimeoutMs: 5_000, owned: [], ...extra,
  }, 10_000);
}

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url });
  await strata.admin().createTopic({ name: 'orders', partitions: 4 });
  await fill(strata, 'orders', 4, 50);
});

afterAll(async () => {
  for (const c of conns) await c.close();
  await strata?.close();
  await broker?.stop();
});

describe('group protocol', () => {
  it('advertises the group APIs in the handshake', async () => {
    const conn = connect();
    await conn.connect();
    for (const api of ['joinGroup', 'heartbeat', 'leaveGroup', 'offsetCommit', 'offsetFetch', 'listGroups', 'describeGroup', 'resetOffsets', 'deleteGroups']) {
      expect(conn.brokerInfo!.apis.has(api)).toBe(true);
    }
  });

  it('rejects a commit from a stale generation, and one for a partition another member owns', async () => {
    const c1 = connect();
    const c2 = connect();
    const first = await join(c1, 'fence');
    expect(first.generationId).toBe(1);
    expect(first.assignment).toHaveLength(4);
    await commitOffsets(c1, 'fence', first.memberId, 1, [{ topic: 'orders', partition: 0, offset: 5 }]);

    // A second member joins: the first learns it from its heartbeat and rejoins.
    const secondJoin = join(c2, 'fence');
    await expect(heartbeat(c1, 'fence', first.memberId, 1, 5_000, 10_000)).rejects.toBeInstanceOf(RebalanceInProgressError);
    const [again, second] = await Promise.all([join(c1, 'fence', first.memberId), secondJoin]);
    expect(again.generationId).toBe(2);
    expect(second.generationId).toBe(2);

    // The old generation is fenced off...
    await expect(commitOffsets(c1, 'fence', first.memberId, 1, [{ topic: 'orders', partition: 0, offset: 9 }]))
      .rejects.toBeInstanceOf(IllegalGenerationError);
    // ...and so is a current member writing over a partition assigned to the other.
    const theirs = second.assignment[0]!;
    const failures = await commitOffsets(c1, 'fence', first.memberId, 2, [{ ...theirs, offset: 9 }]);
    expect(failures[0]!.error).toBeInstanceOf(IllegalGenerationError);
    // Unknown members and memberless commits to an active group are refused.
    await expect(commitOffsets(c1, 'fence', 'ghost', 2, [{ topic: 'orders', partition: 0, offset: 1 }]))
      .rejects.toBeInstanceOf(UnknownMemberIdError);
    await expect(commitOffsets(c1, 'fence', '', -1, [{ topic: 'orders', partition: 0, offset: 1 }]))
      .rejects.toBeInstanceOf(UnknownMemberIdError);
    const [committed] = await fetchOffsets(c1, 'fence', [{ topic: 'orders', partition: 0 }]);
    expect(committed!.offset).toBe(5);
  });

  it('answers per partition: unknown topics and partitions fail alone', async () => {
    const conn = connect();
    const failures = await commitOffsets(conn, 'solo', '', -1, [
      { topic: 'orders', partition: 1, offset: 3, metadata: 'note' },
      { topic: 'orders', partition: 99, offset: 3 },
      { topic: 'nope', partition: 0, offset: 3 },
    ]);
    expect(failures.map((f) => [f.topic, f.partition, f.error.constructor])).toEqual([
      ['orders', 99, UnknownTopicError], ['nope', 0, UnknownTopicError],
    ]);
    const fetched = await fetchOffsets(conn, 'solo', [{ topic: 'orders', partition: 1 }, { topic: 'orders', partition: 2 }]);
    expect(fetched.map((f) => [f.partition, f.offset, f.metadata])).toEqual([[1, 3, 'note'], [2, -1, '']]);
    await expect(fetchOffsets(conn, '', [])).rejects.toBeInstanceOf(InvalidGroupIdError);
  });

  it('keeps the offsets topic out of reach of user requests', async () => {
    const admin = strata.admin();
    await strata.groupAdmin().commitOffsets('hidden-check', [{ topic: 'orders', partition: 0, offset: 1 }]);
    expect(await admin.listTopics()).not.toContain('__consumer_offsets');
    const producer = strata.producer({ retry: { retries: 0 } });
    await expect(producer.send({ topic: '__consumer_offsets', messages: [{ value: 'x', partition: 0 }] }))
      .rejects.toBeInstanceOf(UnknownTopicError);
    await producer.close();
    await expect(admin.deleteTopic('__consumer_offsets')).rejects.toBeInstanceOf(UnknownTopicError);
    expect((await strata.groupAdmin().fetchOffsets('hidden-check'))[0]!.offset).toBe(1);
  });
});

describe('group admin', () => {
  it('lists groups, describes members and lag, and resets offsets only when the group is empty', async () => {
    const ga = strata.groupAdmin();
    const conn = connect();
    const m = await join(conn, 'ops');
    await commitOffsets(conn, 'ops', m.memberId, m.generationId, [
      { topic: 'orders', partition: 0, offset: 10 }, { topic: 'orders', partition: 1, offset: 50 },
    ]);
    const listed = (await ga.listGroups()).find((g) => g.groupId === 'ops');
    expect(listed).toMatchObject({ state: 'stable', strategy: 'range', memberCount: 1 });

    const d = await ga.describeGroup('ops');
    expect(d).toMatchObject({ state: 'stable', generationId: 1 });
    expect(d.members).toHaveLength(1);
    expect(d.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag, p.memberId])).toEqual([
      [0, 10, 50, 40, m.memberId], [1, 50, 50, 0, m.memberId], [2, -1, 50, -1, m.memberId], [3, -1, 50, -1, m.memberId],
    ]);

    await expect(ga.resetOffsets('ops', 'orders', 'earliest')).rejects.toBeInstanceOf(GroupNotEmptyError);
    await expect(ga.deleteGroups(['ops'])).resolves.toMatchObject([{ groupId: 'ops', error: expect.any(GroupNotEmptyError) }]);
    await conn.request('leaveGroup', { groupId: 'ops', memberId: m.memberId });

    const dry = await ga.resetOffsets('ops', 'orders', 'latest', { partitions: [0], dryRun: true });
    expect(dry).toEqual([{ partition: 0, previousOffset: 10, offset: 50, error: null }]);
    expect((await ga.fetchOffsets('ops', [{ topic: 'orders', partition: 0 }]))[0]!.offset).toBe(10);
    const toOffset = await ga.resetOffsets('ops', 'orders', 1_000);
    expect(toOffset.map((r) => r.offset)).toEqual([50, 50, 50, 50]); // clamped to the log end
    const toTime = await ga.resetOffsets('ops', 'orders', { timestamp: 0 });
    expect(toTime.map((r) => r.offset)).toEqual([0, 0, 0, 0]);
    await ga.resetOffsets('ops', 'orders', 'earliest', { partitions: [3] });
    expect((await ga.describeGroup('ops')).state).toBe('empty');
    await expect(ga.resetOffsets('ops', 'missing-topic', 'earliest')).rejects.toBeInstanceOf(UnknownTopicError);

    const deleted = await ga.deleteGroups(['ops', 'never-existed']);
    expect(deleted[0]).toEqual({ groupId: 'ops', error: null });
    expect(deleted[1]!.error).toBeInstanceOf(GroupIdNotFoundError);
    await expect(ga.describeGroup('ops')).rejects.toBeInstanceOf(GroupIdNotFoundError);
  });

  it('keeps committed offsets across a broker restart, and stops promptly with joins parked', async () => {
    const ga = strata.groupAdmin();
    await ga.commitOffsets('durable', [{ topic: 'orders', partition: 2, offset: 42, metadata: 'm' }]);
    // A round that cannot complete (the first member never rejoins) keeps b's join parked.
    const slow = { rebalanceTimeoutMs: 60_000, sessionTimeoutMs: 60_000 };
    const a = await join(connect(), 'parked', '', slow);
    expect(a.generationId).toBe(1);
    const parked = join(connect(), 'parked', '', slow).catch((e: unknown) => e);
    for (let i = 0; i < 200 && (await ga.describeGroup('parked')).state !== 'rebalancing'; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await ga.describeGroup('parked')).state).toBe('rebalancing');
    await strata.close();
    const { dataDir } = broker;
    const stopping = Date.now();
    await broker.stop({ keepDir: true });
    // Parked long polls are released at once rather than holding the 5 s shutdown drain.
    expect(Date.now() - stopping).toBeLessThan(4_000);
    expect(await parked).toBeInstanceOf(Error);
    broker = await startTestBroker({ dataDir });
    strata = new Strata({ brokers: broker.url });
    const [o] = await strata.groupAdmin().fetchOffsets('durable');
    expect(o).toMatchObject({ topic: 'orders', partition: 2, offset: 42, metadata: 'm' });
    expect((await strata.groupAdmin().listGroups()).map((g) => g.groupId)).toContain('durable');
  });
});
