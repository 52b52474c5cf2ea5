/**
 * JoinGroup: a long poll answered when the group's rebalance round completes, with this
 * member's partitions (the broker runs the assignor; there is no SyncGroup). Parked until every
 * known member has rejoined, at most the rebalance timeout. A connection closing (or the broker
 * stopping) releases it.
 */
import type { strata } from '../../../proto/gen/strata.js';
import { topicPartitionsFromWire, topicPartitionsToWire } from '../../groups/topic-partitions.js';
import type { RequestContext } from '../request-context.js';

export async function handleJoinGroup(
  ctx: RequestContext,
  req: strata.v1.JoinGroupRequest.$Properties,
): Promise<strata.v1.JoinGroupResponse.$Properties> {
  const signal = AbortSignal.any([ctx.connectionClosed, ctx.services.stopping]);
  const res = await ctx.services.groups.join({
    groupId: req.groupId ?? '',
    memberId: req.memberId ?? '',
    clientId: req.clientId ?? '',
    topics: req.topics ?? [],
    strategy: req.strategy ?? '',
    sessionTimeoutMs: req.sessionTimeoutMs ?? 0,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? 0,
    owned: topicPartitionsFromWire(req.owned),
  }, signal);
  return {
    memberId: res.memberId,
    generationId: res.generationId,
    strategy: res.strategy,
    assignment: topicPartitionsToWire(res.assignment),
    memberCount: res.memberCount,
    revocationsPending: res.revocationsPending,
  };
}
