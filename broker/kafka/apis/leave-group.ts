/**
 * LeaveGroup: v0-2 name one member, v3+ a batch with a result per member.
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleLeaveGroup: KafkaHandler<'leaveGroup'> = async (ctx, req) => {
  const { groupId } = req.body;
  const leave = (memberId: string): number => {
    try {
      ctx.services.groups.leave(groupId, memberId);
      return KafkaError.NONE;
    } catch (err) {
      return kafkaErrorCode(err);
    }
  };
  if (req.apiVersion < 3) return { errorCode: leave(req.body.memberId) };
  return {
    errorCode: KafkaError.NONE,
    members: req.body.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: leave(m.memberId) })),
  };
};
