/**
 * OffsetForLeaderEpoch (KIP-101/320): where a leader epoch ended in this partition's log, from
 * the partition's leader-epoch cache (broker/partition/leader-epoch-cache.ts), so a consumer
 * whose leader changed can tell whether the log it read was truncated under it.
 *
 * As Kafka answers it: the latest epoch ends at the log end; an older one at the start of the
 * next higher epoch, paired with the largest known epoch at or below the one asked for; an
 * epoch above every known one, or -1, gets epoch and offset -1. The client's
 * current_leader_epoch (v2+, -1 when not sent) is checked first, as on a fetch: older than the
 * partition's is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH. Only the partition's leader
 * answers (a consumer's question; followers of this broker ask over the broker-to-broker
 * protocol): elsewhere NOT_LEADER_OR_FOLLOWER.
 */
import { leaderEpochRefusal } from '../../server/leader-epoch-check.js';
import { leaderPartition } from '../../server/partition-leader.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleOffsetForLeaderEpoch: KafkaHandler<'offsetForLeaderEpoch'> = async (ctx, req) => ({
  topics: req.body.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p) => {
      try {
        const partition = leaderPartition(ctx.services, t.topic, p.partition);
        const refusal = leaderEpochRefusal(t.topic, p.partition, partition.leaderEpoch, p.currentLeaderEpoch);
        if (refusal) return { partition: p.partition, errorCode: kafkaErrorCode(refusal), leaderEpoch: -1, endOffset: -1 };
        const { epoch, endOffset } = partition.endOffsetForEpoch(p.leaderEpoch);
        return { partition: p.partition, errorCode: KafkaError.NONE, leaderEpoch: epoch, endOffset };
      } catch (err) {
        return { partition: p.partition, errorCode: kafkaErrorCode(err), leaderEpoch: -1, endOffset: -1 };
      }
    }),
  })),
});
