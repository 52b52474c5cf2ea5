/**
 * Heartbeat: a long poll that keeps the member alive while parked. Answered empty after
 * max_wait_ms, or at once with RebalanceInProgressError (rejoin), IllegalGenerationError
 * (behind: rejoin) or UnknownMemberIdError (evicted: rejoin as a new member).
 */
import type { strata } from '../../../proto/gen/strata.js';
import type { RequestContext } from '../request-context.js';

export async function handleHeartbeat(
  ctx: RequestContext,
  req: strata.v1.HeartbeatRequest.$Properties,
): Promise<strata.v1.HeartbeatResponse.$Properties> {
  const signal = AbortSignal.any([ctx.connectionClosed, ctx.services.stopping]);
  await ctx.services.groups.heartbeat(req.groupId ?? '', req.memberId ?? '', req.generationId ?? 0, req.maxWaitMs ?? 0, signal);
  return {};
}
