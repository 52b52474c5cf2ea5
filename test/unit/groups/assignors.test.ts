import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAssignment, partitionKey, type Assignment, type AssignorMember, type TopicPartition,
} from '../../../broker/groups/assignor.js';
import { CooperativeStickyAssignor } from '../../../broker/groups/cooperative-sticky-assignor.js';
import { RangeAssignor } from '../../../broker/groups/range-assignor.js';
import { RoundRobinAssignor } from '../../../broker/groups/round-robin-assignor.js';

const range = new RangeAssignor();
const roundRobin = new RoundRobinAssignor();
const sticky = new CooperativeStickyAssignor();

function member(memberId: string, topics: string[], owned: TopicPartition[] = []): AssignorMember {
  return { memberId, topics, owned };
}

function names(assignment: Assignment, memberId: string): string[] {
  return assignment.get(memberId)!.map((tp) => `${tp.topic}-${tp.partition}`);
}

function counts(assignment: Assignment): number[] {
  return [...assignment.values()].map((l) => l.length);
}

function ownerMap(assignment: Assignment): Map<string, string> {
  const out = new Map<string, string>();
  for (const [m, list] of assignment) for (const tp of list) out.set(partitionKey(tp.topic, tp.partition), m);
  return out;
}

/** Members as the coordinator would pass them after a generation: each owns what it got. */
function withOwned(members: AssignorMember[], assignment: Assignment): AssignorMember[] {
  return members.map((m) => ({ ...m, owned: assignment.get(m.memberId) ?? [] }));
}

const memberIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${String(i).padStart(3, '0')}`);

/** Random group: 1-12 members, 1-4 topics of 1-40 partitions, random non-empty subscriptions. */
const groupArb = fc.record({
  topicCounts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
  memberCount: fc.integer({ min: 1, max: 12 }),
  seed: fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), { minLength: 12, maxLength: 12 }),
}).map(({ topicCounts, memberCount, seed }) => {
  const partitionCounts = new Map(topicCounts.map((c, i) => [`t${i}`, c]));
  const topics = [...partitionCounts.keys()];
  const members = memberIds(memberCount).map((id, i) => {
    const subs = topics.filter((_, t) => seed[i]![t]);
    return member(id, subs.length > 0 ? subs : [topics[i % topics.length]!]);
  });
  return { partitionCounts, members };
});

/** Equal subscriptions: every member subscribes to every topic. */
const uniformArb = fc.record({
  topicCounts: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 3 }),
  memberCount: fc.integer({ min: 1, max: 15 }),
}).map(({ topicCounts, memberCount }) => {
  const partitionCounts = new Map(topicCounts.map((c, i) => [`t${i}`, c]));
  const members = memberIds(memberCount).map((id) => member(id, [...partitionCounts.keys()]));
  return { partitionCounts, members };
});

describe('range assignor', () => {
  it('gives each subscriber a contiguous range per topic, the first ones one extra', () => {
    const counts = new Map([['a', 7], ['b', 2]]);
    const out = range.assign([member('m2', ['a']), member('m1', ['a', 'b']), member('m3', ['a', 'b'])], counts);
    expect(names(out, 'm1')).toEqual(['a-0', 'a-1', 'a-2', 'b-0']);
    expect(names(out, 'm2')).toEqual(['a-3', 'a-4']);
    expect(names(out, 'm3')).toEqual(['a-5', 'a-6', 'b-1']);
  });

  it('assigns three members two partitions each of a six-partition topic', () => {
    const out = range.assign(memberIds(3).map((id) => member(id, ['t'])), new Map([['t', 6]]));
    expect(counts(out)).toEqual([2, 2, 2]);
  });

  it('skips subscribed topics that do not exist and leaves surplus members empty', () => {
    const out = range.assign([member('a', ['t', 'missing']), member('b', ['t'])], new Map([['t', 1]]));
    expect(names(out, 'a')).toEqual(['t-0']);
    expect(names(out, 'b')).toEqual([]);
  });

  it('satisfies the assignor contract for any group', () => {
    fc.assert(fc.property(groupArb, ({ partitionCounts, members }) => {
      checkAssignment(members, partitionCounts, range.assign(members, partitionCounts));
    }));
  });
});

describe('round-robin assignor', () => {
  it('deals partitions in topic/partition order around the sorted members', () => {
    const out = roundRobin.assign([member('b', ['x', 'y']), member('a', ['x', 'y'])], new Map([['x', 3], ['y', 2]]));
    expect(names(out, 'a')).toEqual(['x-0', 'x-2', 'y-1']);
    expect(names(out, 'b')).toEqual(['x-1', 'y-0']);
  });

  it('skips members not subscribed to a topic', () => {
    const out = roundRobin.assign([member('a', ['x']), member('b', ['x', 'y'])], new Map([['x', 2], ['y', 2]]));
    expect(names(out, 'a')).toEqual(['x-0']);
    expect(names(out, 'b')).toEqual(['x-1', 'y-0', 'y-1']);
  });

  it('satisfies the contract, and balances equal subscriptions to within one partition', () => {
    fc.assert(fc.property(groupArb, ({ partitionCounts, members }) => {
      checkAssignment(members, partitionCounts, roundRobin.assign(members, partitionCounts));
    }));
    fc.assert(fc.property(uniformArb, ({ partitionCounts, members }) => {
      const c = counts(roundRobin.assign(members, partitionCounts));
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }));
  });
});

describe('cooperative-sticky assignor', () => {
  it('satisfies the contract for any group and any (even conflicting or stale) ownership', () => {
    const ownedArb = fc.array(fc.record({ m: fc.nat(11), t: fc.nat(4), p: fc.integer({ min: -1, max: 45 }) }), { maxLength: 60 });
    fc.assert(fc.property(groupArb, ownedArb, ({ partitionCounts, members }, claims) => {
      const owned = new Map<string, TopicPartition[]>();
      for (const c of claims) {
        const m = members[c.m % members.length]!;
        owned.set(m.memberId, [...(owned.get(m.memberId) ?? []), { topic: `t${c.t}`, partition: c.p }]);
      }
      const input = members.map((m) => ({ ...m, owned: owned.get(m.memberId) ?? [] }));
      checkAssignment(input, partitionCounts, sticky.assign(input, partitionCounts));
    }));
  });

  it('balances equal subscriptions to within one partition', () => {
    fc.assert(fc.property(uniformArb, ({ partitionCounts, members }) => {
      const c = counts(sticky.assign(members, partitionCounts));
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }));
  });

  it('is stable: feeding its output back as ownership changes nothing', () => {
    fc.assert(fc.property(groupArb, ({ partitionCounts, members }) => {
      const first = sticky.assign(members, partitionCounts);
      const second = sticky.assign(withOwned(members, first), partitionCounts);
      expect(second).toEqual(first);
    }));
  });

  it('moves only partitions to a joining member, and only as many as its fair share', () => {
    fc.assert(fc.property(uniformArb, ({ partitionCounts, members }) => {
      const before = sticky.assign(members, partitionCounts);
      const joiner = member('zz-new', [...partitionCounts.keys()]);
      const after = sticky.assign([...withOwned(members, before), joiner], partitionCounts);
      const was = ownerMap(before);
      const now = ownerMap(after);
      const moved = [...now].filter(([key, owner]) => was.get(key) !== owner);
      expect(moved.every(([, owner]) => owner === joiner.memberId)).toBe(true);
      const total = [...partitionCounts.values()].reduce((a, b) => a + b, 0);
      expect(moved.length).toBe(after.get(joiner.memberId)!.length);
      expect(moved.length).toBeGreaterThanOrEqual(Math.floor(total / (members.length + 1)));
      expect(moved.length).toBeLessThanOrEqual(Math.ceil(total / (members.length + 1)));
      const c = counts(after);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }));
  });

  it('moves only the partitions of a leaving member', () => {
    fc.assert(fc.property(uniformArb, fc.nat(), ({ partitionCounts, members }, pick) => {
      fc.pre(members.length >= 2);
      const before = sticky.assign(members, partitionCounts);
      const leaver = members[pick % members.length]!.memberId;
      const staying = withOwned(members, before).filter((m) => m.memberId !== leaver);
      const after = sticky.assign(staying, partitionCounts);
      for (const m of staying) {
        const kept = new Set(names(after, m.memberId));
        for (const n of names(before, m.memberId)) expect(kept.has(n)).toBe(true);
      }
      const c = counts(after);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    }));
  });

  it('hands 100 partitions to 10 members, then moves exactly 9 to an eleventh', () => {
    const counts100 = new Map([['t', 100]]);
    const ten = memberIds(10).map((id) => member(id, ['t']));
    const before = sticky.assign(ten, counts100);
    expect(counts(before)).toEqual(Array(10).fill(10));
    const after = sticky.assign([...withOwned(ten, before), member('zz', ['t'])], counts100);
    const was = ownerMap(before);
    const moved = [...ownerMap(after)].filter(([key, owner]) => was.get(key) !== owner);
    expect(moved.length).toBe(9);
  });

  it('drops owned partitions of topics a member no longer subscribes to', () => {
    const c = new Map([['a', 2], ['b', 2]]);
    const out = sticky.assign([
      member('m1', ['b'], [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]),
      member('m2', ['a', 'b']),
    ], c);
    expect(names(out, 'm1').every((n) => n.startsWith('b-'))).toBe(true);
    expect(names(out, 'm2')).toContain('a-0');
    expect(names(out, 'm2')).toContain('a-1');
  });
});
