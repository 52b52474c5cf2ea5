/**
 * Kafka APIs whose requests the shared commands express exactly, mapped onto them: Heartbeat
 * (answered at once: Kafka clients poll rather than park; REBALANCE_IN_PROGRESS and the other
 * group errors arrive as the handler's request-level error, in the response's error code),
 * DeleteTopics and DeleteGroups (one result per name, in request order).
 */
import type { DeleteGroupsResult } from '../../server/api/delete-groups.js';
import type { DeleteTopicsResult } from '../../server/api/delete-topics.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { SharedMapping } from './shared-mapping.js';

export const heartbeat: SharedMapping<'heartbeat'> = {
  shared: 'heartbeat',
  command: (req) => ({ command: { groupId: req.body.groupId, memberId: req.body.memberId, generationId: req.body.generationId, maxWaitMs: 0 } }),
  body: () => ({ errorCode: KafkaError.NONE }),
};

export const deleteTopics: SharedMapping<'deleteTopics'> = {
  shared: 'deleteTopics',
  command: (req) => ({ command: { names: req.body.topicNames } }),
  body: (_req, result) => ({
    responses: (result as DeleteTopicsResult).topics.map((t) => t.error
      ? { name: t.name, errorCode: kafkaErrorCode(t.error), errorMessage: t.error.message }
      : { name: t.name, errorCode: KafkaError.NONE }),
  }),
};

export const deleteGroups: SharedMapping<'deleteGroups'> = {
  shared: 'deleteGroups',
  command: (req) => ({ command: { groupIds: req.body.groupsNames } }),
  body: (_req, result) => ({
    results: (result as DeleteGroupsResult).groups.map((g) => ({ groupId: g.groupId, errorCode: g.error ? kafkaErrorCode(g.error) : KafkaError.NONE })),
  }),
};
