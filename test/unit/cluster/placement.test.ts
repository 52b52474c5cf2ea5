import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidReplicationFactorError } from '../../../proto/errors.js';
import { assignReplicas } from '../../../broker/cluster/placement.js';

function loads(assignment: readonly (readonly number[])[]): { leaders: Map<number, number>; replicas: Map<number, number> } {
  const leaders = new Map<number, number>();
  const replicas = new Map<number, number>();
  for (const list of assignment) {
    leaders.set(list[0]!, (leaders.get(list[0]!) ?? 0) + 1);
    for (const b of list) replicas.set(b, (replicas.get(b) ?? 0) + 1);
  }
  return { leaders, replicas };
}

const spread = (m: Map<number, number>, brokers: readonly number[]): number => {
  const counts = brokers.map((b) => m.get(b) ?? 0);
  return Math.max(...counts) - Math.min(...counts);
};

describe('replica placement', () => {
  it('gives each partition RF distinct brokers and spreads leaders and replicas evenly', () => {
    const a = assignReplicas(6, 3, [1, 2, 3], []);
    expect(a).toHaveLength(6);
    for (const list of a) expect(new Set(list).size).toBe(3);
    const { leaders, replicas } = loads(a);
    expect([...leaders.values()]).toEqual([2, 2, 2]);
    expect([...replicas.values()]).toEqual([6, 6, 6]);
  });

  it('balances against what existing topics already put on each broker', () => {
    const existing = assignReplicas(3, 1, [1, 2, 3], []).concat([[1], [1], [1]]);
    const next = assignReplicas(3, 1, [1, 2, 3], existing);
    // Broker 1 already leads 4 partitions, 2 and 3 one each: the new ones go to 2 and 3.
    expect(next.flat().filter((b) => b === 1)).toHaveLength(0);
  });

  it('keeps leader and replica counts within one of each other for any cluster and topic sizes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }), (brokerCount, partitions, rfRaw) => {
      const brokers = Array.from({ length: brokerCount }, (_, i) => i * 3 + 1);
      const rf = Math.min(rfRaw, brokerCount);
      const a = assignReplicas(partitions, rf, brokers, []);
      for (const list of a) {
        expect(list).toHaveLength(rf);
        expect(new Set(list).size).toBe(rf);
        for (const b of list) expect(brokers).toContain(b);
      }
      const { leaders, replicas } = loads(a);
      expect(spread(leaders, brokers)).toBeLessThanOrEqual(1);
      expect(spread(replicas, brokers)).toBeLessThanOrEqual(1);
    }));
  });

  it('refuses a replication factor above the live brokers, and below 1', () => {
    expect(() => assignReplicas(1, 4, [1, 2, 3], [])).toThrow(InvalidReplicationFactorError);
    expect(() => assignReplicas(1, 4, [1, 2, 3], [])).toThrow(/larger than the 3 live brokers/);
    expect(() => assignReplicas(1, 0, [1, 2, 3], [])).toThrow(InvalidReplicationFactorError);
  });
});
