/** LeaveGroup: the member departs now (no session timeout to wait out); the rest rebalance. */
import type { strata } from '../../../proto/gen/strata.js';
import type { RequestContext } from '../request-context.js';

export async function handleLeaveGroup(
  ctx: RequestContext,
  req: strata.v1.LeaveGroupRequest.$Properties,
): Promise<strata.v1.LeaveGroupResponse.$Properties> {
  ctx.services.groups.leave(req.groupId ?? '', req.memberId ?? '');
  return {};
}
