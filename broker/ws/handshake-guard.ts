/**
 * Bounds on connections to the WebSocket port before they become WebSocket connections (issue
 * 17: 20,000 sockets that sent `GET / HTTP/1.1\r\n` and stalled held 20,000 file descriptors,
 * uncounted, until the broker could accept no more).
 *
 * Every TCP connection counts against maxConnections from the moment it is accepted until it
 * closes, whatever it turns into. A connection is *pending* from accept until its upgrade
 * completes or its plain HTTP request has been read:
 *   - a pending connection still pending handshakeTimeoutMs after accept is destroyed (the timer
 *     runs from accept; trickled bytes do not reset it);
 *   - when a new connection would make more than pendingHandshakesMax pending, or more than
 *     maxConnections open, the OLDEST pending connection is destroyed to make room, so stalled
 *     handshakes can never lock out a new real client (whose own handshake is the youngest);
 *   - only when maxConnections is reached with nothing pending (every slot holds an upgraded
 *     connection) is the new one refused: `HTTP/1.1 503`, then closed. At most
 *     REFUSALS_LINGERING_MAX refused sockets wait (REFUSAL_LINGER_MS at most) for the peer to read
 *     that answer; past that they are destroyed at once.
 * Each refusal or drop is counted (ServerStats) and logged, rate-limited.
 *
 * Event-loop only. Pending connections are kept in a Map in accept order: the oldest is its
 * first key, so eviction is O(1).
 */
import type { Socket } from 'node:net';
import { LIMIT_LOG_INTERVAL_MS } from '../constants.js';
import type { Logger } from '../logger.js';
import { RateLimitedLog } from '../server/rate-limited-log.js';
import type { ServerStats } from '../server/server-stats.js';

/** Refused sockets allowed to linger for their 503 to be read; more are destroyed without it. */
export const REFUSALS_LINGERING_MAX = 64;
/** Longest a refused socket lingers after its 503 before it is destroyed. */
export const REFUSAL_LINGER_MS = 1_000;

const RESPONSE_503 = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n'
  + 'Content-Length: 21\r\n\r\ntoo many connections\n';

export interface HandshakeLimits {
  readonly maxConnections: number;
  readonly handshakeTimeoutMs: number;
  readonly pendingHandshakesMax: number;
}

export class HandshakeGuard {
  private readonly pending = new Map<Socket, NodeJS.Timeout>();
  private readonly refused = new Set<Socket>();
  /** Every counted socket; a dropped one leaves at once, not when its close event comes. */
  private readonly live = new Set<Socket>();
  private readonly log: RateLimitedLog;

  constructor(private readonly limits: HandshakeLimits, private readonly stats: ServerStats, logger: Logger) {
    this.log = new RateLimitedLog(logger, 'connections refused or dropped by limits', LIMIT_LOG_INTERVAL_MS, {
      maxConnections: limits.maxConnections, pendingHandshakesMax: limits.pendingHandshakesMax, handshakeTimeoutMs: limits.handshakeTimeoutMs,
    });
  }

  /** Open sockets, pending ones included. */
  get openConnections(): number {
    return this.live.size;
  }

  get pendingHandshakes(): number {
    return this.pending.size;
  }

  /** A TCP connection was accepted. */
  accepted(socket: Socket): void {
    if (this.pending.size >= this.limits.pendingHandshakesMax) this.evictOldest();
    if (this.live.size >= this.limits.maxConnections) {
      if (this.pending.size > 0) this.evictOldest();
      else return this.refuse(socket);
    }
    this.live.add(socket);
    socket.once('close', () => {
      this.live.delete(socket);
      this.settle(socket);
    });
    const timer = setTimeout(() => this.timedOut(socket), this.limits.handshakeTimeoutMs);
    this.pending.set(socket, timer);
  }

  /** True while `socket` may still upgrade (it was neither dropped nor refused, nor done already). */
  isPending(socket: Socket): boolean {
    return this.pending.has(socket);
  }

  /** The socket upgraded, or its plain HTTP request was read: no longer pending, still counted. */
  settle(socket: Socket): void {
    const timer = this.pending.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(socket);
  }

  /** Drops every pending connection (shutdown) and logs what the rate limit held back. */
  close(): void {
    for (const socket of [...this.pending.keys()]) {
      this.settle(socket);
      socket.destroy();
    }
    for (const socket of this.refused) socket.destroy();
    this.log.flush();
  }

  private timedOut(socket: Socket): void {
    this.pending.delete(socket);
    this.live.delete(socket);
    this.stats.handshakesTimedOut++;
    this.log.note('timedOut');
    socket.destroy();
  }

  private evictOldest(): void {
    const oldest = this.pending.keys().next().value;
    if (oldest === undefined) return;
    this.settle(oldest);
    this.live.delete(oldest);
    this.stats.handshakesEvicted++;
    this.log.note('evicted');
    oldest.destroy();
  }

  private refuse(socket: Socket): void {
    this.stats.connectionsRefused++;
    this.log.note('refused');
    if (this.refused.size >= REFUSALS_LINGERING_MAX) {
      socket.destroy();
      return;
    }
    this.refused.add(socket);
    const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      this.refused.delete(socket);
    });
    socket.on('error', () => undefined); // the peer may reset; nothing to do
    socket.end(RESPONSE_503);
  }
}
