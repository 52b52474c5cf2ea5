/**
 * OffsetFetch: committed offsets (-1 where none), for the partitions asked or, with a null topic
 * list (v2+), every partition the group has an offset for. An unknown group has no offsets; that
 * is not an error in Kafka either.
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleOffsetFetch: KafkaHandler<'offsetFetch'> = async (ctx, req) => {
  const b = req.body;
  try {
    const asked = (b.topics ?? []).flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    if (b.topics !== null && asked.length === 0) return { topics: b.topics.map((t) => ({ name: t.name, partitions: [] })), errorCode: 0 };
    const fetched = ctx.services.groups.fetchOffsets(b.groupId, asked);
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: number; metadata: string; errorCode: number }>>();
    for (const t of b.topics ?? []) byTopic.set(t.name, []);
    for (const f of fetched) {
      let list = byTopic.get(f.topic);
      if (!list) byTopic.set(f.topic, (list = []));
      list.push({ partitionIndex: f.partition, committedOffset: f.offset, metadata: f.metadata, errorCode: KafkaError.NONE });
    }
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), errorCode: KafkaError.NONE };
  } catch (err) {
    const errorCode = kafkaErrorCode(err);
    if (req.apiVersion >= 2) return { topics: [], errorCode };
    return {
      topics: (b.topics ?? []).map((t) => ({
        name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, metadata: '', errorCode })),
      })),
    };
  }
};
