/**
 * DescribeGroups: state, assignor and members. A Kafka member is described with the
 * subscription bytes it joined with; an SDK member with a subscription built from its topics,
 * so Kafka tools can read both. An unknown group is "Dead" with no members, as Kafka answers.
 */
import { CONSUMER_PROTOCOL_TYPE, encodeConsumerSubscription } from '../../../proto/kafka/index.js';
import { GroupIdNotFoundError } from '../../../proto/errors.js';
import { kafkaGroupState, protocolOfStrategy } from '../group-protocols.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import { encodeAssignment } from './sync-group.js';
import type { KafkaHandler } from './types.js';

export const handleDescribeGroups: KafkaHandler<'describeGroups'> = async (ctx, req) => ({
  groups: req.body.groups.map((groupId) => {
    try {
      const d = ctx.services.groups.describeGroup(groupId);
      const kafkaMember = d.members.find((m) => m.kafka);
      return {
        errorCode: KafkaError.NONE,
        groupId,
        groupState: kafkaGroupState(d.state),
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolData: d.state === 'empty' ? '' : kafkaMember?.kafka?.protocolName ?? protocolOfStrategy(d.strategy),
        members: d.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.kafka?.clientHost ?? '',
          memberMetadata: m.kafka?.metadata ?? encodeConsumerSubscription(0, { topics: [...m.topics] }),
          memberAssignment: encodeAssignment(m.assignment),
        })),
      };
    } catch (err) {
      if (err instanceof GroupIdNotFoundError) {
        return { errorCode: KafkaError.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      }
      return { errorCode: kafkaErrorCode(err), groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    }
  }),
});
