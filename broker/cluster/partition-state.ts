/**
 * The replication state of one partition, at `partitions/<topic>/<p>`:
 *
 *   { "replicas": [1, 2, 3], "leader": 1, "leaderEpoch": 4, "isr": [1, 3], "controllerEpoch": 812 }
 *
 * `leader` is -1 while no replica may lead (every ISR member is down and unclean election is
 * off). `leaderEpoch` grows by one on every change of leader, including to and from -1, so a
 * deposed leader's epoch is always older than the current one. The ISR always contains the
 * leader when there is one; when there is none it keeps the last members, since only they are
 * known to hold every committed record. `controllerEpoch` is the epoch of the controller that
 * last wrote the state (the leader's own ISR changes keep it).
 *
 * Who writes: the controller (creation, leader elections) with a transaction fenced on its
 * controller epoch, and the partition's leader (ISR shrink and expand) with a compare-and-swap
 * on the key's mod revision after checking that the state still names it leader at its epoch.
 * The functions below are the pure decisions; controller.ts and isr-updater.ts do the writes.
 */
import { brokerListField, intField, parseJsonObject } from './cluster-json.js';
import { CorruptLogError } from '../../proto/errors.js';

export const NO_LEADER = -1;

export interface PartitionState {
  readonly replicas: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
}

export function serializePartitionState(s: PartitionState): string {
  return JSON.stringify({ replicas: s.replicas, leader: s.leader, leaderEpoch: s.leaderEpoch, isr: s.isr, controllerEpoch: s.controllerEpoch });
}

export function parsePartitionState(text: string, key: string): PartitionState {
  const doc = parseJsonObject(text, key);
  const replicas = brokerListField(doc, 'replicas', key);
  const isr = brokerListField(doc, 'isr', key);
  const leader = intField(doc, 'leader', key, NO_LEADER);
  const leaderEpoch = intField(doc, 'leaderEpoch', key, 0);
  const controllerEpoch = intField(doc, 'controllerEpoch', key, 0);
  if (replicas.length === 0) throw new CorruptLogError(`etcd key ${key}: no replicas`);
  if (!isr.every((b) => replicas.includes(b))) throw new CorruptLogError(`etcd key ${key}: ISR ${isr} is not within replicas ${replicas}`);
  if (leader !== NO_LEADER && !isr.includes(leader)) throw new CorruptLogError(`etcd key ${key}: leader ${leader} is not in the ISR ${isr}`);
  return { replicas, leader, leaderEpoch, isr, controllerEpoch };
}

/** The first state of a new partition: the first live replica leads, every live replica is in sync (all logs are empty). */
export function initialState(replicas: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): PartitionState {
  const alive = replicas.filter((b) => live.has(b));
  const leader = alive[0] ?? NO_LEADER;
  return { replicas, leader, leaderEpoch: 0, isr: alive.length > 0 ? alive : [...replicas], controllerEpoch };
}

export interface Election {
  readonly state: PartitionState;
  /** True when the new leader came from outside the ISR: records acknowledged by the old ISR may be lost. */
  readonly unclean: boolean;
}

/**
 * What the controller makes of a partition given the live brokers, or null when nothing should
 * change. In order:
 *  1. the leader is dead (or there is none): the first live ISR member in replica order leads,
 *     epoch + 1, the dead leader leaves the ISR; no live ISR member → leader -1 (epoch + 1 if
 *     there was a leader), ISR kept, unless `unclean` allows a live replica outside the ISR;
 *  2. the leader lives but dead followers are in the ISR: they leave it (the leader keeps its
 *     epoch; acks=all must not wait for a broker etcd has declared dead);
 *  3. the preferred replica (replicas[0]) is alive, in the ISR and not leading: it takes over,
 *     epoch + 1 (Kafka's preferred leader election, so a returning broker gets its load back).
 */
export function decide(s: PartitionState, live: ReadonlySet<number>, controllerEpoch: number, unclean: boolean): Election | null {
  const liveIsr = s.isr.filter((b) => live.has(b));
  if (s.leader === NO_LEADER || !live.has(s.leader)) {
    const candidate = s.replicas.find((b) => liveIsr.includes(b));
    if (candidate !== undefined) {
      return { unclean: false, state: { ...s, leader: candidate, leaderEpoch: s.leaderEpoch + 1, isr: liveIsr, controllerEpoch } };
    }
    const outsider = unclean ? s.replicas.find((b) => live.has(b)) : undefined;
    if (outsider !== undefined) {
      return { unclean: true, state: { ...s, leader: outsider, leaderEpoch: s.leaderEpoch + 1, isr: [outsider], controllerEpoch } };
    }
    if (s.leader === NO_LEADER) return null;
    // Keep the ISR: its members (the old leader among them) hold every committed record and are
    // the only ones allowed to lead when they return.
    return { unclean: false, state: { ...s, leader: NO_LEADER, leaderEpoch: s.leaderEpoch + 1, controllerEpoch } };
  }
  if (liveIsr.length !== s.isr.length) {
    return { unclean: false, state: { ...s, isr: liveIsr, controllerEpoch } };
  }
  const preferred = s.replicas[0]!;
  if (preferred !== s.leader && live.has(preferred) && s.isr.includes(preferred)) {
    return { unclean: false, state: { ...s, leader: preferred, leaderEpoch: s.leaderEpoch + 1, controllerEpoch } };
  }
  return null;
}

/** The leader's ISR change: the same state with another ISR (which must keep the leader). */
export function withIsr(s: PartitionState, isr: readonly number[]): PartitionState {
  if (!isr.includes(s.leader)) throw new RangeError(`ISR ${isr} must contain the leader ${s.leader}`);
  const ordered = s.replicas.filter((b) => isr.includes(b));
  return { ...s, isr: ordered };
}
