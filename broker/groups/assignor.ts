/**
 * Partition assignment strategies, run by the broker (server-side assignor): when a rebalance
 * completes, the coordinator hands every member's subscription and currently owned partitions
 * to the group's assignor and sends each member its share. No member computes anything, so a
 * rebalance needs no leader round trip.
 *
 * Contract of `assign`: every partition of every topic someone subscribes to (and that exists)
 * goes to exactly one member subscribed to its topic; a topic nobody can take is left out.
 * Results are deterministic for the same input (members are sorted by id), so the same group
 * state always yields the same assignment.
 */
import assert from 'node:assert/strict';

export const STRATEGIES = ['range', 'round-robin', 'cooperative-sticky'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export function isStrategyName(value: unknown): value is StrategyName {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

/** Eager strategies revoke everything at each rebalance; cooperative ones only what moves. */
export function isCooperative(strategy: StrategyName): boolean {
  return strategy === 'cooperative-sticky';
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `topic` + NUL + partition: a Map key. NUL cannot occur in a topic name. */
export type PartitionKey = string;

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}\u0000${partition}`;
}

export function parsePartitionKey(key: PartitionKey): TopicPartition {
  const sep = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, sep), partition: Number(key.slice(sep + 1)) };
}

/** Orders by topic, then partition number. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

export interface AssignorMember {
  readonly memberId: string;
  /** Subscribed topics. */
  readonly topics: readonly string[];
  /** Partitions the member consumes now; only sticky strategies look at it. */
  readonly owned: readonly TopicPartition[];
}

/** memberId → its partitions, sorted; every input member has an entry (maybe empty). */
export type Assignment = Map<string, TopicPartition[]>;

export interface Assignor {
  readonly name: StrategyName;
  /**
   * @param members the group, in any order
   * @param partitionCounts partitions per existing topic; subscribed topics missing here are skipped
   */
  assign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Assignment;
}

/** Members sorted by id, so every strategy is deterministic. */
export function sortedMembers(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/** Subscribed topics that exist, sorted. */
export function subscribedTopics(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): string[] {
  const topics = new Set<string>();
  for (const m of members) for (const t of m.topics) if ((partitionCounts.get(t) ?? 0) > 0) topics.add(t);
  return [...topics].sort();
}

export function emptyAssignment(members: readonly AssignorMember[]): Assignment {
  const out: Assignment = new Map();
  for (const m of members) out.set(m.memberId, []);
  return out;
}

/** Sorts each member's list in place and returns the assignment. */
export function finishAssignment(assignment: Assignment): Assignment {
  for (const list of assignment.values()) list.sort(compareTopicPartitions);
  return assignment;
}

/**
 * The assignor contract as an assertion: every assignable partition exactly once, each to a
 * subscriber of its topic. Used by the coordinator after every assignment (cheap: one pass).
 */
export function checkAssignment(
  members: readonly AssignorMember[],
  partitionCounts: ReadonlyMap<string, number>,
  assignment: Assignment,
): void {
  const subscriptions = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  const seen = new Set<PartitionKey>();
  for (const [memberId, list] of assignment) {
    const subs = subscriptions.get(memberId);
    assert.ok(subs, `assignment names unknown member ${memberId}`);
    for (const tp of list) {
      const key = partitionKey(tp.topic, tp.partition);
      assert.ok(!seen.has(key), `partition ${tp.topic}-${tp.partition} assigned twice`);
      assert.ok(subs.has(tp.topic), `member ${memberId} got ${tp.topic}, which it does not subscribe to`);
      assert.ok(tp.partition >= 0 && tp.partition < (partitionCounts.get(tp.topic) ?? 0), `${tp.topic}-${tp.partition} does not exist`);
      seen.add(key);
    }
  }
  for (const topic of subscribedTopics(members, partitionCounts)) {
    for (let p = 0; p < partitionCounts.get(topic)!; p++) {
      assert.ok(seen.has(partitionKey(topic, p)), `partition ${topic}-${p} left unassigned`);
    }
  }
}
