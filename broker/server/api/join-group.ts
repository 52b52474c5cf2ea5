/**
 * JoinGroup: a long poll answered when the group's rebalance round completes, with this
 * member's partitions (the broker runs the assignor; there is no SyncGroup). Parked until every
 * known member has rejoined, at most the rebalance timeout. A connection closing (or the broker
 * stopping) releases it.
 */
import type { JoinInput } from '../../groups/group-coordinator.js';
import type { JoinOutcome } from '../../groups/group-member.js';
import type { RequestContext } from '../request-context.js';

export type JoinGroupCommand = JoinInput;
export type JoinGroupResult = JoinOutcome;

export function handleJoinGroup(ctx: RequestContext, cmd: JoinGroupCommand): Promise<JoinGroupResult> {
  return ctx.services.groups.join(cmd, ctx.connectionOrBrokerEnding);
}
