/**
 * Heartbeat: keeps the member's session alive. Kafka clients poll (every few seconds) rather
 * than park, so the broker answers at once: REBALANCE_IN_PROGRESS tells the member to rejoin.
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleHeartbeat: KafkaHandler<'heartbeat'> = async (ctx, req) => {
  try {
    await ctx.services.groups.heartbeat(req.body.groupId, req.body.memberId, req.body.generationId, 0, ctx.abort);
    return { errorCode: KafkaError.NONE };
  } catch (err) {
    return { errorCode: kafkaErrorCode(err) };
  }
};
