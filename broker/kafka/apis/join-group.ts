/**
 * JoinGroup: a Kafka consumer joins the broker's group state machine (broker/groups/Group), the
 * same one Strata SDK consumers join, so both kinds can be members of one group. The member's
 * ConsumerProtocolSubscription (topics, partitions it still owns) is read from the metadata of
 * the protocols it offers; the group runs the first offered assignor the broker knows, or the
 * one the group already runs. The call is a long poll, answered when the rebalance completes,
 * with no member named leader (see group-protocols.ts): the assignment comes in SyncGroup.
 */
import { decodeConsumerSubscription, CONSUMER_PROTOCOL_TYPE } from '../../../proto/kafka/index.js';
import { InvalidConfigError, StrataError } from '../../../proto/errors.js';
import {
  REBALANCE_TIMEOUT_MS_MAX, REBALANCE_TIMEOUT_MS_MIN, SESSION_TIMEOUT_MS_MAX, SESSION_TIMEOUT_MS_MIN,
} from '../../groups/constants.js';
import { BROKER_ASSIGNOR_LEADER, strategyOfProtocol } from '../group-protocols.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

export const handleJoinGroup: KafkaHandler<'joinGroup'> = async (ctx, req) => {
  const b = req.body;
  const fail = (errorCode: number) => ({ errorCode, generationId: -1, protocolName: '', leader: '', memberId: b.memberId, members: [] });
  if (b.sessionTimeoutMs < SESSION_TIMEOUT_MS_MIN || b.sessionTimeoutMs > SESSION_TIMEOUT_MS_MAX) return fail(KafkaError.INVALID_SESSION_TIMEOUT);
  const rebalanceTimeoutMs = req.apiVersion >= 1 ? b.rebalanceTimeoutMs : b.sessionTimeoutMs;
  if (b.protocolType !== CONSUMER_PROTOCOL_TYPE || b.protocols.length === 0) return fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL);
  const offered = b.protocols.filter((p) => strategyOfProtocol(p.name) !== undefined);
  if (offered.length === 0) return fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL);
  let subscription;
  try {
    subscription = decodeConsumerSubscription(offered[0]!.metadata);
  } catch {
    return fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL);
  }
  try {
    const outcome = await ctx.services.groups.join({
      groupId: b.groupId,
      memberId: b.memberId,
      clientId: ctx.clientId,
      topics: subscription.topics,
      strategy: '',
      strategies: offered.map((p) => strategyOfProtocol(p.name)!),
      sessionTimeoutMs: b.sessionTimeoutMs,
      rebalanceTimeoutMs: Math.min(Math.max(rebalanceTimeoutMs, REBALANCE_TIMEOUT_MS_MIN), REBALANCE_TIMEOUT_MS_MAX),
      owned: subscription.ownedPartitions.flatMap((o) => o.partitions.map((partition) => ({ topic: o.topic, partition }))),
      groupInstanceId: b.groupInstanceId ?? null,
      kafka: { protocolName: offered[0]!.name, metadata: offered[0]!.metadata, clientHost: ctx.remote },
    }, ctx.abort);
    const chosen = offered.find((p) => strategyOfProtocol(p.name) === outcome.strategy)!;
    return {
      errorCode: KafkaError.NONE,
      generationId: outcome.generationId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: chosen.name,
      leader: BROKER_ASSIGNOR_LEADER,
      memberId: outcome.memberId,
      members: [],
    };
  } catch (err) {
    if (err instanceof InvalidConfigError) return fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL);
    if (!(err instanceof StrataError)) throw err;
    return fail(kafkaErrorCode(err));
  }
};
