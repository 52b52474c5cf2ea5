/**
 * Static membership in the group state machine (fake timers): a new member id with a known
 * group instance id takes the old member's place; the replaced id is fenced on every later
 * request; a replacement during an open round takes part in that round in the old one's place.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Group } from '../../../broker/groups/group.js';
import type { MemberSettings } from '../../../broker/groups/group-member.js';
import { silentLogger } from '../../../broker/logger.js';
import { FencedInstanceIdError, UnknownMemberIdError } from '../../../proto/errors.js';

const INITIAL_DELAY_MS = 50;
const SESSION_MS = 1_000;

function newGroup(): Group {
  return new Group('g', { initialRebalanceDelayMs: INITIAL_DELAY_MS, partitionCount: (t) => (t === 't' ? 4 : undefined), logger: silentLogger() });
}

function settings(groupInstanceId?: string): MemberSettings {
  return {
    clientId: 'c', topics: ['t'], strategy: 'range', sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: 3_000,
    ...(groupInstanceId !== undefined ? { groupInstanceId } : {}),
  };
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

async function formStatic(group: Group): Promise<[Awaited<ReturnType<Group['join']>>, Awaited<ReturnType<Group['join']>>]> {
  const a = group.join({ memberId: '', settings: settings('ia'), owned: [] });
  const b = group.join({ memberId: '', settings: settings('ib'), owned: [] });
  await vi.advanceTimersByTimeAsync(INITIAL_DELAY_MS);
  return [await a, await b];
}

describe('static membership', () => {
  it('a rejoin with a known instance id is answered at once with the old assignment, same generation, and fences the old id', async () => {
    const group = newGroup();
    const [a, b] = await formStatic(group);
    const parked = group.heartbeat(b.memberId, b.generationId, 500);
    const again = await group.join({ memberId: '', settings: settings('ia'), owned: [] });
    expect(again.memberId).not.toBe(a.memberId);
    expect(again.generationId).toBe(a.generationId);
    expect(again.assignment).toEqual(a.assignment);
    expect(group.state).toBe('stable');
    for (const tp of a.assignment) expect(group.ownerOf(tp.topic, tp.partition)).toBe(again.memberId);
    expect(() => group.validateCommit(a.memberId, a.generationId)).toThrow(FencedInstanceIdError);
    await expect(group.heartbeat(a.memberId, a.generationId, 0)).rejects.toBeInstanceOf(FencedInstanceIdError);
    expect(() => group.join({ memberId: a.memberId, settings: settings('ia'), owned: [] })).toThrow(FencedInstanceIdError);
    await vi.advanceTimersByTimeAsync(500);
    await expect(parked).resolves.toBeUndefined(); // b was not told to rejoin
  });

  it("the old member's parked heartbeat fails with FencedInstanceIdError", async () => {
    const group = newGroup();
    const [a] = await formStatic(group);
    const parked = group.heartbeat(a.memberId, a.generationId, 500);
    parked.catch(() => undefined);
    await group.join({ memberId: '', settings: settings('ia'), owned: [] });
    await expect(parked).rejects.toBeInstanceOf(FencedInstanceIdError);
  });

  it('a known member id with another instance id is fenced', async () => {
    const group = newGroup();
    const [a] = await formStatic(group);
    expect(() => group.join({ memberId: a.memberId, settings: settings('other'), owned: [] })).toThrow(FencedInstanceIdError);
  });

  it('a replacement during an open round takes the old member\'s part in it', async () => {
    const group = newGroup();
    const [a, b] = await formStatic(group);
    const c = group.join({ memberId: '', settings: settings(), owned: [] }); // a dynamic member opens a round
    expect(group.state).toBe('rebalancing');
    const bRejoin = group.join({ memberId: b.memberId, settings: settings('ib'), owned: [] });
    const a2 = group.join({ memberId: '', settings: settings('ia'), owned: [] });
    await vi.advanceTimersByTimeAsync(0);
    const [ra2, rb, rc] = await Promise.all([a2, bRejoin, c]);
    expect(ra2.generationId).toBe(a.generationId + 1);
    expect(ra2.memberCount).toBe(3);
    expect(new Set([ra2, rb, rc].flatMap((r) => r.assignment.map((tp) => tp.partition))).size).toBe(4);
    expect(group.members.has(a.memberId)).toBe(false);
  });

  it('a static member whose session expires is removed, and its instance id is free again', async () => {
    const group = newGroup();
    const [a, b] = await formStatic(group);
    const hb = group.heartbeat(b.memberId, b.generationId, 0);
    await hb;
    await vi.advanceTimersByTimeAsync(SESSION_MS + 10);
    expect(group.members.has(a.memberId)).toBe(false);
    await expect(group.heartbeat(a.memberId, a.generationId, 0)).rejects.toBeInstanceOf(UnknownMemberIdError);
  });
});
