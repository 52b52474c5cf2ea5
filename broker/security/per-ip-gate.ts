/**
 * The per-IP limits (connection-limiter.ts) at the TCP accept of both listeners: one gate per
 * broker, so the counts are per address over the WebSocket and the Kafka listener together, as
 * Kafka counts max.connections.per.ip over all its listeners.
 *
 * An admitted socket is released when it closes, whatever closes it (the peer, a later limit,
 * the broker). A refused one is destroyed at once, before any byte of it is read (no HTTP answer,
 * no TLS handshake on the plaintext path: cheap, which is what a flood needs), counted in its
 * listener's ServerStats (strata_connections_refused_per_ip_total) and logged through a
 * RateLimitedLog, so a flood costs one warning per LIMIT_LOG_INTERVAL_MS, not one per attempt.
 *
 * IPv4 peers of a dual-stack socket (`::ffff:10.0.0.1`) count as their IPv4 address.
 */
import type { Socket } from 'node:net';
import { LIMIT_LOG_INTERVAL_MS } from '../constants.js';
import type { Logger } from '../logger.js';
import { RateLimitedLog } from '../server/rate-limited-log.js';
import type { ServerStats } from '../server/server-stats.js';
import { ConnectionLimiter, type ConnectionLimits } from './connection-limiter.js';

const IPV4_MAPPED_PREFIX = '::ffff:';

export class PerIpGate {
  private readonly limiter: ConnectionLimiter;
  private readonly log: RateLimitedLog;

  constructor(limits: ConnectionLimits, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.limiter = new ConnectionLimiter(limits);
    this.log = new RateLimitedLog(logger, 'connections refused by the per-IP limits', LIMIT_LOG_INTERVAL_MS, {
      maxConnectionsPerIp: limits.connectionsPerIpMax, maxConnectionAttemptsPerIpPerSecond: limits.connectionAttemptsPerIpPerSecMax,
    });
  }

  get enabled(): boolean {
    return this.limiter.enabled;
  }

  /** Open connections the gate counts for `ip` (tests, diagnostics). */
  openFrom(ip: string): number {
    return this.limiter.openFrom(ip);
  }

  /**
   * At TCP accept: true when the socket may go on (its release is tied to its close), false when
   * it was refused and destroyed.
   */
  admit(socket: Socket, stats: ServerStats): boolean {
    if (!this.limiter.enabled) return true;
    const raw = socket.remoteAddress;
    // No address: the peer is already gone.
    if (raw === undefined) {
      socket.destroy();
      return false;
    }
    const ip = raw.startsWith(IPV4_MAPPED_PREFIX) ? raw.slice(IPV4_MAPPED_PREFIX.length) : raw;
    const admission = this.limiter.admit(ip, this.now());
    if (!admission.ok) {
      stats.connectionsRefusedPerIp++;
      this.log.note(admission.limit === 'connections' ? 'tooManyOpen' : 'tooManyAttempts');
      this.logger.debug({ ip, reason: admission.reason }, 'connection refused by a per-IP limit');
      socket.destroy();
      return false;
    }
    socket.once('close', () => this.limiter.release(ip));
    return true;
  }

  /** Logs what the rate limit held back (shutdown). */
  close(): void {
    this.log.flush();
  }
}
