/** LeaveGroup: the member departs now (no session timeout to wait out); the rest rebalance. */
import type { RequestContext } from '../request-context.js';

export interface LeaveGroupCommand {
  readonly groupId: string;
  readonly memberId: string;
}

export type LeaveGroupResult = Readonly<Record<string, never>>;

export async function handleLeaveGroup(ctx: RequestContext, cmd: LeaveGroupCommand): Promise<LeaveGroupResult> {
  ctx.services.groups.leave(cmd.groupId, cmd.memberId);
  return {};
}
