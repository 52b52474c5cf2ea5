/**
 * Heartbeat: a long poll that keeps the member alive while parked. Answered empty after
 * maxWaitMs, or at once with RebalanceInProgressError (rejoin), IllegalGenerationError
 * (behind: rejoin) or UnknownMemberIdError (evicted: rejoin as a new member).
 */
import type { RequestContext } from '../request-context.js';

export interface HeartbeatCommand {
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  /** How long to park when nothing changes (0: answer at once). */
  readonly maxWaitMs: number;
}

export type HeartbeatResult = Readonly<Record<string, never>>;

export async function handleHeartbeat(ctx: RequestContext, cmd: HeartbeatCommand): Promise<HeartbeatResult> {
  await ctx.services.groups.heartbeat(cmd.groupId, cmd.memberId, cmd.generationId, cmd.maxWaitMs, ctx.connectionOrBrokerEnding);
  return {};
}
