/**
 * OffsetCommit: through the group coordinator, fenced by generation and member as for SDK
 * members, durable before the answer. A commit with generation -1 and no member id (v0, admin
 * tools, consumers outside group management) is accepted while the group has no members.
 */
import type { CommitInput } from '../../groups/group-coordinator.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleOffsetCommit: KafkaHandler<'offsetCommit'> = async (ctx, req) => {
  const b = req.body;
  const offsets: CommitInput[] = b.topics.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? '',
  })));
  const generation = req.apiVersion === 0 ? -1 : b.generationIdOrMemberEpoch;
  let codeOf: (topic: string, partition: number) => number;
  try {
    const outcomes = await ctx.services.groups.commit(b.groupId, b.memberId, generation, offsets);
    const codes = new Map(outcomes.map((o) => [`${o.topic}\u0000${o.partition}`, o.error ? kafkaErrorCode(o.error) : KafkaError.NONE]));
    codeOf = (topic, partition) => codes.get(`${topic}\u0000${partition}`) ?? KafkaError.UNKNOWN_SERVER_ERROR;
  } catch (err) {
    const code = kafkaErrorCode(err);
    codeOf = () => code;
  }
  return {
    topics: b.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) })),
    })),
  };
};
