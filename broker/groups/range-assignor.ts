/**
 * Kafka's RangeAssignor: topic by topic, the subscribers (sorted by id) get contiguous ranges
 * of partitions; with n partitions and m subscribers each gets floor(n / m) and the first
 * n % m get one more. Co-partitioned topics therefore land on the same member (partition i of
 * every topic goes to the same consumer), at the price of imbalance across many topics.
 */
import {
  emptyAssignment, finishAssignment, sortedMembers, subscribedTopics, type Assignment, type Assignor, type AssignorMember,
} from './assignor.js';

export class RangeAssignor implements Assignor {
  readonly name = 'range' as const;

  assign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Assignment {
    const sorted = sortedMembers(members);
    const out = emptyAssignment(sorted);
    for (const topic of subscribedTopics(sorted, partitionCounts)) {
      const subscribers = sorted.filter((m) => m.topics.includes(topic));
      const count = partitionCounts.get(topic)!;
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      for (let i = 0; i < subscribers.length; i++) {
        const share = per + (i < extra ? 1 : 0);
        const list = out.get(subscribers[i]!.memberId)!;
        for (let k = 0; k < share; k++) list.push({ topic, partition: next++ });
      }
    }
    return finishAssignment(out);
  }
}
