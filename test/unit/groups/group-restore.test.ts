/**
 * Group membership written to the offsets log and restored from it: a Group restored from its
 * snapshot (through the record codec) is stable in the same generation, its members heartbeat
 * and commit on with no rebalance, a static member rejoining gets its old place back, and a
 * member that never returns is evicted after its session timeout. Then the coordinator end to
 * end on a real offsets log: close, reopen, the group is back; an emptied group is a tombstone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GROUP_METADATA_RECORD_BYTES_MAX } from '../../../broker/groups/constants.js';
import { GroupCoordinator, type JoinInput } from '../../../broker/groups/group-coordinator.js';
import { Group, type GroupOptions } from '../../../broker/groups/group.js';
import type { MemberSettings } from '../../../broker/groups/group-member.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { decodeGroupMetadataValue, encodeGroupMetadataValue } from '../../../proto/group-metadata-record.js';
import { RebalanceInProgressError, UnknownMemberIdError } from '../../../proto/errors.js';

const INITIAL_DELAY_MS = 50;
const SESSION_MS = 1_000;

function options(stable: Group[] = []): GroupOptions {
  return {
    initialRebalanceDelayMs: INITIAL_DELAY_MS, partitionCount: (t) => (t === 't' ? 4 : undefined), logger: silentLogger(),
    onStable: (g) => stable.push(g),
  };
}

function settings(groupInstanceId?: string): MemberSettings {
  return {
    clientId: 'c', topics: ['t'], strategy: 'range', sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: 3_000,
    ...(groupInstanceId !== undefined ? { groupInstanceId } : {}),
  };
}

/** What the next coordinator gets: the snapshot through the record's bytes. */
function reloaded(group: Group): Group {
  const record = decodeGroupMetadataValue(encodeGroupMetadataValue(group.snapshot(Date.now())))!;
  return Group.restore(group.groupId, options(), record)!;
}

describe('a group restored from its metadata record', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  async function formed(): Promise<{ group: Group; stable: Group[]; a: Awaited<ReturnType<Group['join']>>; b: Awaited<ReturnType<Group['join']>> }> {
    const stable: Group[] = [];
    const group = new Group('g', options(stable));
    const ja = group.join({ memberId: '', settings: settings(), owned: [] });
    const jb = group.join({ memberId: '', settings: settings('ib'), owned: [] });
    await vi.advanceTimersByTimeAsync(INITIAL_DELAY_MS);
    return { group, stable, a: await ja, b: await jb };
  }

  it('is written at every stable generation and at a static rejoin, not while rebalancing', async () => {
    const { group, stable } = await formed();
    expect(stable).toEqual([group]);
    await group.join({ memberId: '', settings: settings('ib'), owned: [] });
    expect(stable).toHaveLength(2);
    void group.join({ memberId: '', settings: settings(), owned: [] }).catch(() => undefined);
    expect(group.state).toBe('rebalancing');
    expect(stable).toHaveLength(2);
    group.close(new UnknownMemberIdError('test over'));
  });

  it('is stable in the same generation; members heartbeat, commit and sync on without a rebalance', async () => {
    const { group, a, b } = await formed();
    const next = reloaded(group);
    group.close(new UnknownMemberIdError('old coordinator gone'));
    expect(next.state).toBe('stable');
    expect(next.generationId).toBe(a.generationId);
    expect(next.strategy).toBe('range');
    for (const m of [a, b]) {
      await expect(next.heartbeat(m.memberId, m.generationId, 0)).resolves.toBeUndefined();
      expect(() => next.validateCommit(m.memberId, m.generationId)).not.toThrow();
      expect(next.syncAssignment(m.memberId, m.generationId)).toEqual(m.assignment);
      for (const tp of m.assignment) expect(next.ownerOf(tp.topic, tp.partition)).toBe(m.memberId);
    }
    expect(next.state).toBe('stable');
    expect(next.generationId).toBe(a.generationId);
    next.close(new UnknownMemberIdError('test over'));
  });

  it('gives a static member that restarted its old partitions in the same generation', async () => {
    const { group, a, b } = await formed();
    const next = reloaded(group);
    group.close(new UnknownMemberIdError('old coordinator gone'));
    const again = await next.join({ memberId: '', settings: settings('ib'), owned: [] });
    expect(again.memberId).not.toBe(b.memberId);
    expect(again.generationId).toBe(b.generationId);
    expect(again.assignment).toEqual(b.assignment);
    await expect(next.heartbeat(a.memberId, a.generationId, 0)).resolves.toBeUndefined();
    expect(next.state).toBe('stable');
    next.close(new UnknownMemberIdError('test over'));
  });

  it('evicts a member that never returns after its session timeout, counted from the restore', async () => {
    const { group, a, b } = await formed();
    await vi.advanceTimersByTimeAsync(SESSION_MS - 100); // the old coordinator's clock does not carry over
    const next = reloaded(group);
    group.close(new UnknownMemberIdError('old coordinator gone'));
    await vi.advanceTimersByTimeAsync(SESSION_MS / 2);
    await expect(next.heartbeat(a.memberId, a.generationId, 0)).resolves.toBeUndefined();
    expect(next.members.has(b.memberId)).toBe(true);
    await vi.advanceTimersByTimeAsync(SESSION_MS / 2 + 1);
    expect(next.members.has(b.memberId)).toBe(false);
    expect(next.state).toBe('rebalancing');
    await expect(next.heartbeat(a.memberId, a.generationId, 0)).rejects.toBeInstanceOf(RebalanceInProgressError);
    next.close(new UnknownMemberIdError('test over'));
  });

  it('is not restored from a record with no members or an unknown strategy', async () => {
    const { group } = await formed();
    const record = group.snapshot(Date.now());
    group.close(new UnknownMemberIdError('test over'));
    expect(Group.restore('g', options(), { ...record, members: [] })).toBeNull();
    expect(Group.restore('g', options(), { ...record, protocolName: 'sticky-v9' })).toBeNull();
  });
});

describe('the coordinator across a restart of its offsets log', () => {
  let dir: string;
  const open: GroupCoordinator[] = [];
  const topics = { partitionCount: (t: string) => (t === 't' ? 4 : undefined), partitionOffsets: () => undefined, offsetForTimestamp: async () => null };
  const openCoordinator = async (): Promise<GroupCoordinator> => {
    const c = await GroupCoordinator.open({ dataDir: dir, logDefaults: DEFAULT_LOG_CONFIG, logger: silentLogger(), initialRebalanceDelayMs: 20, topics });
    open.push(c);
    return c;
  };
  const input = (over: Partial<JoinInput>): JoinInput => ({
    groupId: 'g', memberId: '', clientId: 'c', topics: ['t'], strategy: 'range', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, owned: [], ...over,
  });
  /** Waits until the background metadata write of the latest generation is durable. */
  const settled = async (c: GroupCoordinator, group: string): Promise<void> => {
    for (let i = 0; i < 200 && c.offsets.hasPendingAppends(group); i++) await new Promise((r) => setTimeout(r, 5));
    expect(c.offsets.hasPendingAppends(group)).toBe(false);
  };

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-group-restore-')); });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores members, generation and assignments after a reopen, and a member carries on with its id', async () => {
    const first = await openCoordinator();
    const [a, b] = await Promise.all([first.join(input({})), first.join(input({ groupInstanceId: 'ib' }))]);
    await settled(first, 'g');
    await first.close();
    const second = await openCoordinator();
    const described = second.describeGroup('g');
    expect(described.state).toBe('stable');
    expect(described.generationId).toBe(a.generationId);
    expect(described.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    await second.heartbeat('g', a.memberId, a.generationId, 0);
    expect(await second.commit('g', b.memberId, b.generationId, b.assignment.map((tp) => ({ ...tp, offset: 1, metadata: '' })))).toEqual(
      b.assignment.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
    );
    expect(second.describeGroup('g').generationId).toBe(a.generationId);
  });

  it('writes a group too large for its record as a tombstone: a reopen starts it afresh', async () => {
    const first = await openCoordinator();
    const small = await first.join(input({}));
    await settled(first, 'g');
    const kafka = { protocolName: 'range', metadata: Buffer.alloc(GROUP_METADATA_RECORD_BYTES_MAX + 1), clientHost: '/127.0.0.1' };
    const big = first.join(input({ strategies: ['range'], kafka }));
    await first.join(input({ memberId: small.memberId }));
    await big;
    await settled(first, 'g');
    await first.close();
    const second = await openCoordinator();
    expect(second.listGroups()).toEqual([]);
  });

  it('writes a tombstone when the group empties: a reopen finds no members', async () => {
    const first = await openCoordinator();
    const a = await first.join(input({}));
    await settled(first, 'g');
    first.leave('g', a.memberId);
    await settled(first, 'g');
    await first.close();
    const second = await openCoordinator();
    expect(second.listGroups()).toEqual([]);
    await expect(second.heartbeat('g', a.memberId, a.generationId, 0)).rejects.toBeInstanceOf(UnknownMemberIdError);
  });
});
