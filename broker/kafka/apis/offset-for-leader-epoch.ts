/**
 * OffsetForLeaderEpoch (KIP-101/320): the end offset of a leader epoch, so a consumer can tell
 * whether the log it read from was truncated under it.
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleOffsetForLeaderEpoch: KafkaHandler<'offsetForLeaderEpoch'> = async (ctx, req) => ({
  topics: req.body.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      try {
        const partition = ctx.services.topics.partition(t.topic, p.partition);
        if (p.currentLeaderEpoch > partition.leaderEpoch || p.leaderEpoch > partition.leaderEpoch) {
          return { partition: p.partition, errorCode: KafkaError.UNKNOWN_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1 };
        }
        return { partition: p.partition, errorCode: KafkaError.NONE, leaderEpoch: partition.leaderEpoch, endOffset: partition.logEndOffset };
      } catch (err) {
        return { partition: p.partition, errorCode: kafkaErrorCode(err), leaderEpoch: -1, endOffset: -1 };
      }
    }),
  })),
});
