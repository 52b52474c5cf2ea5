/**
 * SyncGroup: the member's share of the generation its JoinGroup completed, as the broker
 * assigned it, encoded as a ConsumerProtocolAssignment. What a member that believes it leads
 * sends in `assignments` is ignored: the broker has assigned already (group-protocols.ts).
 */
import { encodeConsumerAssignment, CONSUMER_PROTOCOL_TYPE } from '../../../proto/kafka/index.js';
import type { TopicPartition } from '../../groups/assignor.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

/** Version 0 of the assignment: every consumer protocol version reads it. */
const ASSIGNMENT_VERSION = 0;

export function encodeAssignment(list: readonly TopicPartition[]): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of list) {
    let partitions = byTopic.get(tp.topic);
    if (!partitions) byTopic.set(tp.topic, (partitions = []));
    partitions.push(tp.partition);
  }
  return encodeConsumerAssignment(ASSIGNMENT_VERSION, {
    assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    userData: null,
  });
}

export const handleSyncGroup: KafkaHandler<'syncGroup'> = async (ctx, req) => {
  const b = req.body;
  try {
    const assignment = ctx.services.groups.sync(b.groupId, b.memberId, b.generationId);
    return {
      errorCode: KafkaError.NONE,
      protocolType: b.protocolType ?? CONSUMER_PROTOCOL_TYPE,
      protocolName: b.protocolName,
      assignment: encodeAssignment(assignment),
    };
  } catch (err) {
    return { errorCode: kafkaErrorCode(err), assignment: Buffer.alloc(0) };
  }
};
