/**
 * Conversions between the wire's `TopicPartitions` (a topic and its partition numbers) and flat
 * TopicPartition lists. Grouping on the way out keeps a 1000-partition assignment to one topic
 * name on the wire instead of 1000.
 */
import type { strata } from '../../proto/gen/strata.js';
import { compareTopicPartitions, type TopicPartition } from './assignor.js';

type WireTopicPartitions = strata.v1.TopicPartitions.$Properties;

export function topicPartitionsFromWire(list: readonly WireTopicPartitions[] | null | undefined): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const tp of list ?? []) for (const p of tp.partitions ?? []) out.push({ topic: tp.topic ?? '', partition: p });
  return out;
}

export function topicPartitionsToWire(list: readonly TopicPartition[]): WireTopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of [...list].sort(compareTopicPartitions)) {
    let parts = byTopic.get(tp.topic);
    if (!parts) byTopic.set(tp.topic, (parts = []));
    parts.push(tp.partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
