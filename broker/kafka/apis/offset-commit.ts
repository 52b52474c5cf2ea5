/**
 * OffsetCommit: through the group coordinator, fenced by generation and member as for SDK
 * members, durable before the answer. A commit with generation -1 and no member id (v0, admin
 * tools, consumers outside group management) is accepted while the group has no members.
 */
import type { CommitInput } from '../../groups/group-coordinator.js';
import { topicRefusal } from '../../security/request-authorization.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleOffsetCommit: KafkaHandler<'offsetCommit'> = async (ctx, req) => {
  const b = req.body;
  // Topics the caller may not read answer TOPIC_AUTHORIZATION_FAILED and are not committed; the
  // rest are (Kafka's rule). Checked once per topic entry.
  const refusedCodes = new Map<string, number>();
  for (const t of b.topics) {
    const refused = topicRefusal(ctx, 'read', t.name);
    if (refused) refusedCodes.set(t.name, kafkaErrorCode(refused));
  }
  const offsets: CommitInput[] = b.topics.filter((t) => !refusedCodes.has(t.name)).flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? '',
  })));
  const generation = req.apiVersion === 0 ? -1 : b.generationIdOrMemberEpoch;
  let codeOf: (topic: string, partition: number) => number;
  try {
    // Nothing left to commit: the coordinator is not asked.
    const outcomes = offsets.length > 0 ? await ctx.services.groups.commit(b.groupId, b.memberId, generation, offsets) : [];
    const codes = new Map(outcomes.map((o) => [`${o.topic}\u0000${o.partition}`, o.error ? kafkaErrorCode(o.error) : KafkaError.NONE]));
    codeOf = (topic, partition) => codes.get(`${topic}\u0000${partition}`) ?? KafkaError.UNKNOWN_SERVER_ERROR;
  } catch (err) {
    const code = kafkaErrorCode(err);
    codeOf = () => code;
  }
  return {
    topics: b.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex, errorCode: refusedCodes.get(t.name) ?? codeOf(t.name, p.partitionIndex),
      })),
    })),
  };
};
