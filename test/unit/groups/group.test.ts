import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StrategyName, TopicPartition } from '../../../broker/groups/assignor.js';
import { Group } from '../../../broker/groups/group.js';
import type { JoinOutcome, MemberSettings } from '../../../broker/groups/group-member.js';
import { silentLogger } from '../../../broker/logger.js';
import {
  ConnectionClosedError, IllegalGenerationError, InvalidConfigError, RebalanceInProgressError, UnknownMemberIdError,
} from '../../../proto/errors.js';

const INITIAL_DELAY_MS = 50;
const SESSION_MS = 1_000;
const REBALANCE_MS = 3_000;

let counts: Map<string, number>;

function newGroup(): Group {
  return new Group('g', { initialRebalanceDelayMs: INITIAL_DELAY_MS, partitionCount: (t) => counts.get(t), logger: silentLogger() });
}

function settings(strategy: StrategyName = 'range', topics = ['t']): MemberSettings {
  return { clientId: 'c', topics, strategy, sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS };
}

function names(list: readonly TopicPartition[]): string[] {
  return list.map((tp) => `${tp.topic}-${tp.partition}`);
}

/** What a promise has settled to so far (value or error), or 'pending'. */
async function state<T>(p: Promise<T>): Promise<T | Error | 'pending'> {
  let out: T | Error | 'pending' = 'pending';
  p.then((v) => { out = v; }, (e: Error) => { out = e; });
  await vi.advanceTimersByTimeAsync(0);
  return out;
}

beforeEach(() => {
  vi.useFakeTimers();
  counts = new Map([['t', 6]]);
});

afterEach(() => {
  vi.useRealTimers();
});

/** Joins `n` new members at once and lets the initial delay pass. */
async function formGroup(group: Group, n: number, strategy: StrategyName = 'range'): Promise<JoinOutcome[]> {
  const joins = Array.from({ length: n }, () => group.join({ memberId: '', settings: settings(strategy), owned: [] }));
  await vi.advanceTimersByTimeAsync(INITIAL_DELAY_MS);
  return Promise.all(joins);
}

describe('group membership', () => {
  it('answers a known member rejoining a stable group unchanged with the current generation, without a rebalance', async () => {
    const group = newGroup();
    const [a, b] = await formGroup(group, 2);
    const parked = group.heartbeat(b!.memberId, b!.generationId, 500);
    const again = await group.join({ memberId: a!.memberId, settings: settings(), owned: [] });
    expect(again).toMatchObject({ memberId: a!.memberId, generationId: a!.generationId, revocationsPending: false, memberCount: 2 });
    expect(names(again.assignment)).toEqual(names(a!.assignment));
    expect(group.state).toBe('stable');
    await vi.advanceTimersByTimeAsync(500);
    await expect(parked).resolves.toBeUndefined(); // b was not told to rejoin
    // A changed subscription, or a topic that grew, still rebalances.
    counts.set('u', 2);
    void group.join({ memberId: a!.memberId, settings: settings('range', ['t', 'u']), owned: [] }).catch(() => undefined);
    expect(group.state).toBe('rebalancing');
    group.close(new UnknownMemberIdError('test over'));
    const g2 = newGroup();
    const [c] = await formGroup(g2, 1);
    counts.set('t', 8);
    const grown = await g2.join({ memberId: c!.memberId, settings: settings(), owned: [] });
    expect(grown.generationId).toBe(c!.generationId + 1);
    expect(grown.assignment).toHaveLength(8);
    g2.close(new UnknownMemberIdError('test over'));
  });

  it('holds the first join for the initial delay, then forms generation 1 with every partition', async () => {
    const group = newGroup();
    const join = group.join({ memberId: '', settings: settings(), owned: [] });
    await vi.advanceTimersByTimeAsync(INITIAL_DELAY_MS - 1);
    expect(await state(join)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const res = await join;
    expect(res).toMatchObject({ generationId: 1, memberCount: 1, strategy: 'range', revocationsPending: false });
    expect(names(res.assignment)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']);
    expect(group.state).toBe('stable');
  });

  it('puts members that join within the initial delay into one generation, two partitions each', async () => {
    const group = newGroup();
    const results = await formGroup(group, 3);
    expect(results.map((r) => r.generationId)).toEqual([1, 1, 1]);
    expect(results.map((r) => r.assignment.length)).toEqual([2, 2, 2]);
    expect(new Set(results.flatMap((r) => names(r.assignment))).size).toBe(6);
    for (const r of results) expect(group.ownerOf('t', r.assignment[0]!.partition)).toBe(r.memberId);
  });

  it('tells a parked heartbeat at once that a new member joined, and completes when everyone rejoined', async () => {
    const group = newGroup();
    const [a] = await formGroup(group, 1);
    const hb = group.heartbeat(a!.memberId, 1, 10_000);
    expect(await state(hb)).toBe('pending');
    const bJoin = group.join({ memberId: '', settings: settings(), owned: [] });
    expect(await state(hb)).toBeInstanceOf(RebalanceInProgressError);
    expect(group.state).toBe('rebalancing');
    // No timer needs to fire: the round completes on the last rejoin.
    const aJoin = group.join({ memberId: a!.memberId, settings: settings(), owned: [] });
    const [ra, rb] = await Promise.all([aJoin, bJoin]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
    expect(ra.assignment.length + rb.assignment.length).toBe(6);
  });

  it('answers a parked heartbeat after its wait when nothing happens', async () => {
    const group = newGroup();
    const [a] = await formGroup(group, 1);
    const hb = group.heartbeat(a!.memberId, 1, 500);
    await vi.advanceTimersByTimeAsync(499);
    expect(await state(hb)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await state(hb)).toBeUndefined();
  });

  it('rejects heartbeats of unknown members and of stale generations', async () => {
    const group = newGroup();
    const [a] = await formGroup(group, 1);
    await expect(group.heartbeat('nobody', 1, 0)).rejects.toBeInstanceOf(UnknownMemberIdError);
    await expect(group.heartbeat(a!.memberId, 0, 0)).rejects.toBeInstanceOf(IllegalGenerationError);
    await expect(group.heartbeat(a!.memberId, 1, 0)).resolves.toBeUndefined();
  });

  it('refuses a member whose strategy differs from the group', async () => {
    const group = newGroup();
    await formGroup(group, 1, 'range');
    expect(() => group.join({ memberId: '', settings: settings('round-robin'), owned: [] })).toThrow(InvalidConfigError);
    expect(() => group.join({ memberId: 'ghost', settings: settings(), owned: [] })).toThrow(UnknownMemberIdError);
  });

  it('opens a round when a subscribed topic gains partitions', async () => {
    const group = newGroup();
    const [a] = await formGroup(group, 1);
    counts.set('t', 8);
    await expect(group.heartbeat(a!.memberId, 1, 1000)).rejects.toBeInstanceOf(RebalanceInProgressError);
    const res = await group.join({ memberId: a!.memberId, settings: settings(), owned: [] });
    expect(res.assignment.length).toBe(8);
  });
});

describe('commit fencing', () => {
  it('accepts the current generation and rejects stale generations and unknown members', async () => {
    const group = newGroup();
    const [a, b] = await formGroup(group, 2);
    group.validateCommit(a!.memberId, 1);
    expect(() => group.validateCommit(a!.memberId, 0)).toThrow(IllegalGenerationError);
    expect(() => group.validateCommit('ghost', 1)).toThrow(UnknownMemberIdError);
    // Outside the membership: refused while the group has members.
    expect(() => group.validateCommit('', -1)).toThrow(UnknownMemberIdError);
    // b leaves; a round opens; a's generation 1 stays valid until the round completes...
    group.leave(b!.memberId);
    expect(group.state).toBe('rebalancing');
    group.validateCommit(a!.memberId, 1);
    const rejoin = await group.join({ memberId: a!.memberId, settings: settings(), owned: [] });
    // ...and is stale afterwards.
    expect(rejoin.generationId).toBe(2);
    expect(() => group.validateCommit(a!.memberId, 1)).toThrow(IllegalGenerationError);
    group.validateCommit(a!.memberId, 2);
    group.leave(a!.memberId);
    expect(group.state).toBe('empty');
    group.validateCommit('', -1);
  });
});

describe('liveness', () => {
  it('evicts a member that stops heartbeating after its session timeout, and the others take its partitions', async () => {
    const group = newGroup();
    const [a, b] = await formGroup(group, 2);
    // a heartbeats every 400 ms (each parked up to half its session); b sends nothing.
    let hb: Promise<void> = Promise.resolve();
    for (let t = 0; t < SESSION_MS - 200; t += 400) {
      hb = group.heartbeat(a!.memberId, 1, 400);
      hb.catch(() => undefined); // may settle while timers advance; checked below
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(group.members.has(b!.memberId)).toBe(true);
    hb = group.heartbeat(a!.memberId, 1, 400);
    hb.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(SESSION_MS - 800);
    expect(group.members.has(b!.memberId)).toBe(false);
    expect(await state(hb)).toBeInstanceOf(RebalanceInProgressError);
    const res = await group.join({ memberId: a!.memberId, settings: settings(), owned: [] });
    expect(res).toMatchObject({ generationId: 2, memberCount: 1 });
    expect(res.assignment.length).toBe(6);
    expect(() => group.validateCommit(b!.memberId, 1)).toThrow(UnknownMemberIdError);
  });

  it('caps a parked heartbeat at half the session, and evicts a member that vanishes after it', async () => {
    const group = newGroup();
    const [a] = await formGroup(group, 1);
    const hb = group.heartbeat(a!.memberId, 1, 60_000);
    await vi.advanceTimersByTimeAsync(SESSION_MS / 2);
    expect(await state(hb)).toBeUndefined();
    // No socket close, no further heartbeat: gone one session after the answer.
    await vi.advanceTimersByTimeAsync(SESSION_MS - 1);
    expect(group.members.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(group.members.size).toBe(0);
    expect(group.state).toBe('empty');
  });

  it('evicts members that do not rejoin within the rebalance timeout', async () => {
    const group = newGroup();
    const [a, b] = await formGroup(group, 2);
    const hb = group.heartbeat(b!.memberId, 1, 60_000);
    // A new member opens a round (a known member rejoining a stable group unchanged would not).
    const cJoin = group.join({ memberId: '', settings: settings(), owned: [] });
    expect(await state(hb)).toBeInstanceOf(RebalanceInProgressError);
    const aJoin = group.join({ memberId: a!.memberId, settings: settings(), owned: [] });
    // b keeps heartbeating (alive) but never rejoins.
    for (let t = 0; t < REBALANCE_MS; t += SESSION_MS / 2) {
      await expect(group.heartbeat(b!.memberId, 1, 0)).rejects.toBeInstanceOf(RebalanceInProgressError);
      await vi.advanceTimersByTimeAsync(SESSION_MS / 2);
    }
    const [res] = await Promise.all([aJoin, cJoin]);
    expect(res).toMatchObject({ generationId: 2, memberCount: 2 });
    expect(group.members.has(b!.memberId)).toBe(false);
  });

  it('drops a new member whose join connection closes before it learned its id', async () => {
    const group = newGroup();
    const ac = new AbortController();
    const join = group.join({ memberId: '', settings: settings(), owned: [] }, ac.signal);
    ac.abort();
    await expect(join).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(group.members.size).toBe(0);
    await vi.advanceTimersByTimeAsync(INITIAL_DELAY_MS);
    expect(group.state).toBe('empty');
  });

  it('fails a parked heartbeat when the member leaves from elsewhere', async () => {
    const group = newGroup();
    const [a] = await formGroup(group, 1);
    const hb = group.heartbeat(a!.memberId, 1, 60_000);
    group.leave(a!.memberId);
    await expect(hb).rejects.toBeInstanceOf(UnknownMemberIdError);
    expect(group.state).toBe('empty');
  });
});

describe('incremental cooperative rebalancing', () => {
  it('withholds moved partitions until their owner revokes them; partitions that stay are never revoked', async () => {
    const group = newGroup();
    const [a, b] = await formGroup(group, 2, 'cooperative-sticky');
    const owned = new Map([[a!.memberId, a!.assignment], [b!.memberId, b!.assignment]]);

    // c joins: a and b rejoin reporting everything they own (nothing revoked up front).
    const cJoin = group.join({ memberId: '', settings: settings('cooperative-sticky'), owned: [] });
    const aJoin = group.join({ memberId: a!.memberId, settings: settings('cooperative-sticky'), owned: owned.get(a!.memberId)! });
    const bJoin = group.join({ memberId: b!.memberId, settings: settings('cooperative-sticky'), owned: owned.get(b!.memberId)! });
    const [ra, rb, rc] = await Promise.all([aJoin, bJoin, cJoin]);
    expect(ra.generationId).toBe(2);
    // Each of a and b keeps two of its three and must give one up; c gets nothing yet.
    expect(ra.assignment.length).toBe(2);
    expect(rb.assignment.length).toBe(2);
    expect(rc.assignment).toEqual([]);
    expect(rc.revocationsPending).toBe(true);
    for (const r of [ra, rb]) {
      const before = new Set(names(owned.get(r.memberId)!));
      for (const n of names(r.assignment)) expect(before.has(n)).toBe(true);
    }
    // The group opened the follow-up round at once.
    expect(group.state).toBe('rebalancing');
    // A revoking member may still commit the partition it is giving up, with the new generation.
    group.validateCommit(ra.memberId, 2);

    // a and b revoke the moved partition and rejoin with what they kept; c rejoins.
    const [fa, fb, fc] = await Promise.all([
      group.join({ memberId: ra.memberId, settings: settings('cooperative-sticky'), owned: ra.assignment }),
      group.join({ memberId: rb.memberId, settings: settings('cooperative-sticky'), owned: rb.assignment }),
      group.join({ memberId: rc.memberId, settings: settings('cooperative-sticky'), owned: [] }),
    ]);
    expect(fa.generationId).toBe(3);
    expect(names(fa.assignment)).toEqual(names(ra.assignment));
    expect(names(fb.assignment)).toEqual(names(rb.assignment));
    expect(fc.assignment.length).toBe(2);
    expect(fc.revocationsPending).toBe(false);
    expect(group.state).toBe('stable');
    for (const tp of fc.assignment) expect(group.ownerOf(tp.topic, tp.partition)).toBe(fc.memberId);
  });

  it('hands an evicted member\'s partitions straight to the others, with no revocation round', async () => {
    const group = newGroup();
    const [a, b] = await formGroup(group, 2, 'cooperative-sticky');
    group.leave(b!.memberId);
    const res = await group.join({ memberId: a!.memberId, settings: settings('cooperative-sticky'), owned: a!.assignment });
    expect(res.assignment.length).toBe(6);
    expect(res.revocationsPending).toBe(false);
    expect(group.state).toBe('stable');
  });
});
