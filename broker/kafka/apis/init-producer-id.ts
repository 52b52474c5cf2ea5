/**
 * InitProducerId: a new producer id at epoch 0 for an idempotent producer, from the same
 * allocator the SDK's producers use (ids are never reused, across restarts too). Kafka also
 * hands a non-transactional producer a fresh id on every call, including the epoch-bump calls
 * of v3+ (KIP-360), so the id and epoch in those requests need no check. A transactional id
 * is refused: this broker has no transaction coordinator.
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleInitProducerId: KafkaHandler<'initProducerId'> = async (ctx, req) => {
  if (req.body.transactionalId !== null) return { errorCode: KafkaError.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
  try {
    const producerId = await ctx.services.producerIds.next();
    ctx.logger.debug({ producerId }, 'producer id handed out');
    return { errorCode: KafkaError.NONE, producerId, producerEpoch: 0 };
  } catch (err) {
    return { errorCode: kafkaErrorCode(err), producerId: -1, producerEpoch: -1 };
  }
};
