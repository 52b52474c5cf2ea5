/**
 * The throttle hook (broker/server/hooks.ts) over the QuotaManager: after each request, its
 * bytes are recorded against the principal's and client id's quotas — produce requests' bytes
 * in against producerByteRate, fetch answers' bytes out against consumerByteRate, every request
 * against requestRate — and the answer is held for the longest throttle any of them asks for,
 * with the connection not read meanwhile (Kafka's throttle + muted channel). Nothing written is
 * dropped: a produce over quota is appended and acknowledged, only later.
 *
 * Cost when no quota is configured: one property read per request.
 */
import type { RequestCompletion, ThrottleHook } from '../server/hooks.js';
import type { RequestContext } from '../server/request-context.js';
import { principalName } from './principal.js';
import type { QuotaManager } from './quota-manager.js';
import type { SecurityStats } from './security-stats.js';

export function quotaThrottle(quotas: QuotaManager, stats: SecurityStats, now: () => number = Date.now): ThrottleHook {
  return {
    delayMs(ctx: RequestContext, c: RequestCompletion): number {
      if (!quotas.active) return 0;
      const user = principalName(ctx.principal);
      const nowMs = now();
      let delay = quotas.record('requestRate', user, ctx.clientId, 1, nowMs);
      if (c.api === 'produce' && c.error === null) delay = Math.max(delay, quotas.record('producerByteRate', user, ctx.clientId, c.bytesIn, nowMs));
      if (c.api === 'fetch' && c.bytesOut > 0) delay = Math.max(delay, quotas.record('consumerByteRate', user, ctx.clientId, c.bytesOut, nowMs));
      if (delay > 0) stats.responsesThrottled++;
      return delay;
    },
  };
}
