/**
 * ListOffsets: -1 is the latest offset (the high watermark: what a consumer may read up to),
 * -2 the earliest (the log start), any other timestamp the first offset whose record timestamp
 * is at or after it (offset and timestamp -1 when there is none, as Kafka answers).
 *
 * Only the partition's leader answers (a broker alone leads everything): elsewhere
 * NOT_LEADER_OR_FOLLOWER, so the client refreshes its metadata. The client's
 * current_leader_epoch (v4+, -1 when not sent) is checked as on a fetch (KIP-320): older than
 * the leader's is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
 */
import { OFFSET_EARLIEST, OFFSET_LATEST } from '../../../proto/constants.js';
import { InvalidRequestError } from '../../../proto/errors.js';
import { topicRefusal } from '../../security/request-authorization.js';
import { leaderEpochRefusal } from '../../server/leader-epoch-check.js';
import { leaderPartition } from '../../server/partition-leader.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleListOffsets: KafkaHandler<'listOffsets'> = async (ctx, req) => {
  return {
    topics: await Promise.all(req.body.topics.map(async (t) => {
      // Refused topics answer TOPIC_AUTHORIZATION_FAILED per partition; the others are served.
      const refused = topicRefusal(ctx, 'describe', t.name);
      const partitions = await Promise.all(t.partitions.map(async (p) => {
        try {
          if (refused) throw refused;
          const partition = leaderPartition(ctx.services, t.name, p.partitionIndex);
          const refusal = leaderEpochRefusal(t.name, p.partitionIndex, partition.leaderEpoch, p.currentLeaderEpoch);
          if (refusal) return { partitionIndex: p.partitionIndex, errorCode: kafkaErrorCode(refusal) };
          let offset: number;
          let timestamp = -1;
          if (p.timestamp === OFFSET_LATEST) offset = partition.highWatermark;
          else if (p.timestamp === OFFSET_EARLIEST) offset = partition.logStartOffset;
          else if (p.timestamp < 0) throw new InvalidRequestError(`timestamp ${p.timestamp} is neither a time nor -1/-2`);
          else {
            // Searched below the high watermark only: consumers may not see past it.
            const found = await partition.offsetForTimestamp(p.timestamp);
            offset = found ? found.offset : -1;
            timestamp = found ? found.timestamp : -1;
          }
          return { partitionIndex: p.partitionIndex, errorCode: KafkaError.NONE, offset, timestamp, leaderEpoch: partition.leaderEpoch, oldStyleOffsets: [] };
        } catch (err) {
          return { partitionIndex: p.partitionIndex, errorCode: kafkaErrorCode(err) };
        }
      }));
      return { name: t.name, partitions };
    })),
  };
};
