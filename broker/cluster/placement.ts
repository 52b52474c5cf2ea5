/**
 * Where a new topic's replicas go: spread over the live brokers so that every broker carries
 * about as many replicas, and leads about as many partitions, as any other, counting what the
 * existing topics already put on each.
 *
 * Each partition's replica list is chosen in order: its first broker (the preferred leader) is
 * the one leading the fewest partitions so far, ties broken by fewest replicas, then by the
 * rotation below; each further replica is the broker with the fewest replicas among those not
 * yet in the list. Ties are broken by a rotation that starts one broker further per partition,
 * so equal brokers take turns instead of the lowest id winning every tie.
 */
import { InvalidReplicationFactorError } from '../../proto/errors.js';

export interface BrokerLoad {
  /** Partitions whose preferred leader the broker is. */
  leaders: number;
  /** Replicas the broker holds. */
  replicas: number;
}

/**
 * `existing`: the replica lists of every partition already in the cluster (first = preferred
 * leader). Throws InvalidReplicationFactorError when the replication factor exceeds the live
 * brokers or is below 1.
 */
export function assignReplicas(
  partitions: number, replicationFactor: number, liveBrokers: readonly number[], existing: Iterable<readonly number[]>,
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
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const rank = (b: number): number => (brokers.indexOf(b) - p + brokers.length * 2) % brokers.length;
    const list: number[] = [];
    const leader = pickMin(brokers, (b) => [load.get(b)!.leaders, load.get(b)!.replicas, rank(b)]);
    list.push(leader);
    while (list.length < replicationFactor) {
      const rest = brokers.filter((b) => !list.includes(b));
      // Followers rotate relative to the leader so that a leader's followers vary.
      const after = (b: number): number => (brokers.indexOf(b) - brokers.indexOf(leader) + brokers.length) % brokers.length;
      list.push(pickMin(rest, (b) => [load.get(b)!.replicas, after(b)]));
    }
    list.forEach((b, i) => {
      const l = load.get(b)!;
      l.replicas++;
      if (i === 0) l.leaders++;
    });
    out.push(list);
  }
  return out;
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
