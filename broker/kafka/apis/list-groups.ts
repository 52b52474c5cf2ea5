/**
 * ListGroups: every group with members or committed offsets (SDK and Kafka members alike), all
 * of the "consumer" protocol type; v4 filters by Kafka state name.
 */
import { CONSUMER_PROTOCOL_TYPE } from '../../../proto/kafka/index.js';
import { kafkaGroupState } from '../group-protocols.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleListGroups: KafkaHandler<'listGroups'> = async (ctx, req) => {
  try {
    const wanted = new Set(req.body.statesFilter.map((s) => s.toLowerCase()));
    const groups = ctx.services.groups.listGroups()
      .map((g) => ({ groupId: g.groupId, protocolType: CONSUMER_PROTOCOL_TYPE, groupState: kafkaGroupState(g.state) }))
      .filter((g) => wanted.size === 0 || wanted.has(g.groupState.toLowerCase()));
    return { errorCode: KafkaError.NONE, groups };
  } catch (err) {
    return { errorCode: kafkaErrorCode(err), groups: [] };
  }
};
