/**
 * DeleteGroups: drops the committed offsets of groups without members (NON_EMPTY_GROUP while
 * members remain, GROUP_ID_NOT_FOUND for a group with nothing committed).
 */
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleDeleteGroups: KafkaHandler<'deleteGroups'> = async (ctx, req) => ({
  results: await Promise.all(req.body.groupsNames.map(async (groupId) => {
    try {
      await ctx.services.groups.deleteGroup(groupId);
      return { groupId, errorCode: KafkaError.NONE };
    } catch (err) {
      return { groupId, errorCode: kafkaErrorCode(err) };
    }
  })),
});
