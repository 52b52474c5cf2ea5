/**
 * Kafka's RoundRobinAssignor: all partitions of all subscribed topics, sorted by topic then
 * partition, are dealt one at a time to the members (sorted by id) in a circle, skipping a
 * member that does not subscribe to the partition's topic. With equal subscriptions the counts
 * differ by at most one.
 */
import {
  emptyAssignment, finishAssignment, sortedMembers, subscribedTopics, type Assignment, type Assignor, type AssignorMember,
} from './assignor.js';

export class RoundRobinAssignor implements Assignor {
  readonly name = 'round-robin' as const;

  assign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Assignment {
    const sorted = sortedMembers(members);
    const out = emptyAssignment(sorted);
    const subscriptions = sorted.map((m) => new Set(m.topics));
    let cursor = 0;
    for (const topic of subscribedTopics(sorted, partitionCounts)) {
      const count = partitionCounts.get(topic)!;
      for (let partition = 0; partition < count; partition++) {
        // Some member subscribes to `topic` (subscribedTopics says so), so this ends within one lap.
        while (!subscriptions[cursor % sorted.length]!.has(topic)) cursor++;
        out.get(sorted[cursor % sorted.length]!.memberId)!.push({ topic, partition });
        cursor++;
      }
    }
    return finishAssignment(out);
  }
}
