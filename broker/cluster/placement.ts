/**
 * Where a new topic's replicas go: spread over the live brokers so that every broker carries
 * about as many replicas, and leads about as many partitions, as any other, counting what the
 * existing topics already put on each.
 *
 * Each partition's replica set is chosen first: the brokers with the fewest replicas so far, one
 * at a time, ties broken by fewest leaders, then by a rotation that starts one broker further
 * per partition (so equal brokers take turns instead of the lowest id winning every tie). Its
 * first broker (the preferred leader) is then the member of the set leading the fewest
 * partitions. An earlier version chose the leader first, by fewest leaders, among all brokers:
 * that could hand a broker already holding the most replicas one more (7 brokers, RF 4: replica
 * counts two apart), the property test's rare failure.
 *
 * Racks (`--rack`): each further replica goes to a rack the partition has no replica on yet
 * while there is one, so RF replicas cover min(RF, racks) racks and a rack's loss leaves the
 * others; within that, the same least-loaded order.
 */
import { InvalidReplicationFactorError } from '../../proto/errors.js';
import type { BrokerInfo } from './broker-info.js';

/** The racks of the brokers that registered one; undefined when none did (placement ignores racks). */
export function racksOf(brokers: Iterable<BrokerInfo>): Map<number, string> | undefined {
  const out = new Map<number, string>();
  for (const b of brokers) if (b.rack !== undefined) out.set(b.id, b.rack);
  return out.size > 0 ? out : undefined;
}

export interface BrokerLoad {
  /** Partitions whose preferred leader the broker is. */
  leaders: number;
  /** Replicas the broker holds. */
  replicas: number;
}

/**
 * `existing`: the replica lists of every partition already in the cluster (first = preferred
 * leader). `racks`: each live broker's rack, when brokers were started with `--rack` (a broker
 * missing from the map counts as a rack of its own). Throws InvalidReplicationFactorError when
 * the replication factor exceeds the live brokers or is below 1.
 */
export function assignReplicas(
  partitions: number, replicationFactor: number, liveBrokers: readonly number[], existing: Iterable<readonly number[]>,
  racks?: ReadonlyMap<number, string>,
): number[][] {
  const brokers = [...new Set(liveBrokers)].sort((a, b) => a - b);
  if (replicationFactor < 1) throw new InvalidReplicationFactorError(`replication factor must be at least 1, got ${replicationFactor}`);
  if (replicationFactor > brokers.length) {
    throw new InvalidReplicationFactorError(`replication factor ${replicationFactor} is larger than the ${brokers.length} live brokers`);
  }
  const load = new Map<number, BrokerLoad>(brokers.map((b) => [b, { leaders: 0, replicas: 0 }]));
  for (const replicas of existing) {
    replicas.forEach((b, i) => {
      const l = load.get(b);
      if (!l) return; // a broker that is not alive now takes no new replicas
      l.replicas++;
      if (i === 0) l.leaders++;
    });
  }
  const rackOf = (b: number): string => racks?.get(b) ?? `\u0000broker-${b}`;
  // With racks, the rotation runs over the brokers alternating between racks (as Kafka's
  // rack-aware assignment does), so consecutive brokers in it sit in different racks.
  const order = racks ? rackAlternated(brokers, rackOf) : brokers;
  const variants = (['leader-first', 'ring', 'set-first'] as const).map((o) => place(o, partitions, replicationFactor, order, load, rackOf, racks !== undefined));
  let best = variants[0]!;
  for (const v of variants.slice(1)) if (imbalance(v, load) < imbalance(best, load)) best = v;
  return best;
}

type Order = 'leader-first' | 'ring' | 'set-first';

function place(
  order: Order, partitions: number, replicationFactor: number, brokers: readonly number[], initial: ReadonlyMap<number, BrokerLoad>,
  rackOf: (b: number) => string, rackAware: boolean,
): number[][] {
  const load = new Map([...initial].map(([b, l]) => [b, { ...l }]));
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const rank = (b: number): number => (brokers.indexOf(b) - p + brokers.length * 2) % brokers.length;
    // The replica set first: the brokers with the fewest replicas (ties: fewest leaders, so the
    // broker that should lead next is in the set, then the rotation). Picking the RF least
    // loaded each time keeps replica counts within one of each other.
    const list: number[] = [];
    const usedRacks = new Set<string>();
    if (order !== 'set-first') {
      const leader = order === 'ring'
        ? pickMin(brokers, (b) => [load.get(b)!.leaders, rank(b)])
        : pickMin(brokers, (b) => [load.get(b)!.leaders, load.get(b)!.replicas, rank(b)]);
      list.push(leader);
      usedRacks.add(rackOf(leader));
    }
    while (list.length < replicationFactor) {
      let candidates = brokers.filter((b) => !list.includes(b));
      if (rackAware) {
        // Racks first (Kafka's rack-aware assignment): a rack the partition has no replica on yet.
        const fresh = candidates.filter((b) => !usedRacks.has(rackOf(b)));
        if (fresh.length > 0) candidates = fresh;
      }
      // Leader first: followers rotate relative to the leader so that a leader's followers vary.
      const first = list[0];
      const after = (b: number): number => (first === undefined ? rank(b) : (brokers.indexOf(b) - brokers.indexOf(first) + brokers.length) % brokers.length);
      const pick = order === 'ring'
        ? pickMin(candidates, (b) => [after(b)])
        : order === 'leader-first'
        ? pickMin(candidates, (b) => [load.get(b)!.replicas, after(b)])
        : pickMin(candidates, (b) => [load.get(b)!.replicas, load.get(b)!.leaders, rank(b)]);
      list.push(pick);
      usedRacks.add(rackOf(pick));
    }
    // Then its preferred leader: the member leading the fewest partitions so far.
    const leader = order !== 'set-first' ? list[0]! : pickMin(list, (b) => [load.get(b)!.leaders, rank(b)]);
    const ordered = [leader, ...list.filter((b) => b !== leader)];
    ordered.forEach((b, i) => {
      const l = load.get(b)!;
      l.replicas++;
      if (i === 0) l.leaders++;
    });
    out.push(ordered);
  }
  return out;
}

/** The brokers, one of each rack in turn (racks by name, brokers by id within a rack). */
function rackAlternated(brokers: readonly number[], rackOf: (b: number) => string): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const r = rackOf(b);
    let list = byRack.get(r);
    if (!list) byRack.set(r, (list = []));
    list.push(b);
  }
  const racks = [...byRack.keys()].sort().map((r) => byRack.get(r)!);
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) for (const list of racks) if (i < list.length) out.push(list[i]!);
  return out;
}

/** How far apart the placement leaves the brokers: the larger of the leader and replica spreads. */
function imbalance(assignment: readonly (readonly number[])[], initial: ReadonlyMap<number, BrokerLoad>): number {
  const load = new Map([...initial].map(([b, l]) => [b, { ...l }]));
  for (const list of assignment) {
    list.forEach((b, i) => {
      const l = load.get(b)!;
      l.replicas++;
      if (i === 0) l.leaders++;
    });
  }
  const all = [...load.values()];
  const spread = (f: (l: BrokerLoad) => number): number => Math.max(...all.map(f)) - Math.min(...all.map(f));
  return Math.max(spread((l) => l.leaders), spread((l) => l.replicas));
}

function pickMin(candidates: readonly number[], key: (b: number) => number[]): number {
  let best = candidates[0]!;
  let bestKey = key(best);
  for (const b of candidates.slice(1)) {
    const k = key(b);
    for (let i = 0; i < k.length; i++) {
      if (k[i]! < bestKey[i]!) {
        best = b;
        bestKey = k;
        break;
      }
      if (k[i]! > bestKey[i]!) break;
    }
  }
  return best;
}
