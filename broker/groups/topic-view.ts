/**
 * What the group coordinator needs to know about topics, and nothing more: partition counts
 * (for assignment and commit validation) and partition offsets (for lag and offset resets).
 * An interface rather than the TopicManager itself so the coordinator can be built and tested
 * without a server, and so it cannot create, delete or write to user topics by accident.
 */
import type { TopicManager } from '../topics/topic-manager.js';

export interface PartitionOffsets {
  readonly logStartOffset: number;
  /** The end of what consumers may read. */
  readonly highWatermark: number;
}

export interface GroupTopicView {
  /** Partitions of an existing topic; undefined when it does not exist. */
  partitionCount(topic: string): number | undefined;
  /** undefined when the topic or partition does not exist. */
  partitionOffsets(topic: string, partition: number): PartitionOffsets | undefined;
  /** First offset whose timestamp is >= timestampMs, or null if there is none. */
  offsetForTimestamp(topic: string, partition: number, timestampMs: number): Promise<number | null>;
}

export function topicViewOf(topics: TopicManager): GroupTopicView {
  return {
    partitionCount: (topic) => topics.getTopic(topic)?.partitions.length,
    partitionOffsets: (topic, partition) => {
      const p = topics.getPartition(topic, partition);
      return p ? { logStartOffset: p.logStartOffset, highWatermark: p.highWatermark } : undefined;
    },
    offsetForTimestamp: async (topic, partition, timestampMs) => {
      const found = await topics.partition(topic, partition).offsetForTimestamp(timestampMs);
      return found ? found.offset : null;
    },
  };
}
