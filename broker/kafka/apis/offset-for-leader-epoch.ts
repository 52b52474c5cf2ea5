/**
 * OffsetForLeaderEpoch (KIP-101/320): the end offset of a leader epoch, so a consumer can tell
 * whether the log it read from was truncated under it. A single node has one epoch, 0, which
 * runs to the log end; asking about a newer epoch, or naming a newer current epoch, gets
 * UNKNOWN_LEADER_EPOCH.
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import { LEADER_EPOCH } from './metadata.js';
import type { KafkaHandler } from './types.js';

export const handleOffsetForLeaderEpoch: KafkaHandler<'offsetForLeaderEpoch'> = async (ctx, req) => ({
  topics: req.body.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      try {
        const log = ctx.services.topics.partition(t.topic, p.partition).log;
        if (p.currentLeaderEpoch > LEADER_EPOCH || p.leaderEpoch > LEADER_EPOCH) {
          return { partition: p.partition, errorCode: KafkaError.UNKNOWN_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1 };
        }
        return { partition: p.partition, errorCode: KafkaError.NONE, leaderEpoch: LEADER_EPOCH, endOffset: log.logEndOffset };
      } catch (err) {
        return { partition: p.partition, errorCode: kafkaErrorCode(err), leaderEpoch: -1, endOffset: -1 };
      }
    }),
  })),
});
