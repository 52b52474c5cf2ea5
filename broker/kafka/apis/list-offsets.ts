/**
 * ListOffsets: -1 is the latest offset (the high watermark: what a consumer may read up to),
 * -2 the earliest (the log start), any other timestamp the first offset whose record timestamp
 * is at or after it (offset and timestamp -1 when there is none, as Kafka answers).
 */
import { OFFSET_EARLIEST, OFFSET_LATEST } from '../../../proto/constants.js';
import { InvalidRequestError } from '../../../proto/errors.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import { LEADER_EPOCH } from './metadata.js';
import type { KafkaHandler } from './types.js';

export const handleListOffsets: KafkaHandler<'listOffsets'> = async (ctx, req) => {
  const { topics } = ctx.services;
  return {
    topics: await Promise.all(req.body.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map(async (p) => {
        try {
          if (p.currentLeaderEpoch > LEADER_EPOCH) {
            return { partitionIndex: p.partitionIndex, errorCode: KafkaError.UNKNOWN_LEADER_EPOCH };
          }
          const log = topics.partition(t.name, p.partitionIndex).log;
          let offset: number;
          let timestamp = -1;
          if (p.timestamp === OFFSET_LATEST) offset = log.highWatermark;
          else if (p.timestamp === OFFSET_EARLIEST) offset = log.logStartOffset;
          else if (p.timestamp < 0) throw new InvalidRequestError(`timestamp ${p.timestamp} is neither a time nor -1/-2`);
          else {
            const found = await log.offsetForTimestamp(p.timestamp);
            offset = found && found.offset < log.highWatermark ? found.offset : -1;
            timestamp = offset >= 0 ? found!.timestamp : -1;
          }
          return { partitionIndex: p.partitionIndex, errorCode: KafkaError.NONE, offset, timestamp, leaderEpoch: LEADER_EPOCH, oldStyleOffsets: [] };
        } catch (err) {
          return { partitionIndex: p.partitionIndex, errorCode: kafkaErrorCode(err) };
        }
      })),
    }))),
  };
};
