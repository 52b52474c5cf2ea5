/**
 * Per-IP admission for new connections on every listener: at most `connectionsPerIpMax` open
 * at once (Kafka's max.connections.per.ip) and at most `connectionAttemptsPerIpPerSecMax`
 * attempts a second (Kafka's connection_creation_rate quota per IP), the rate measured like
 * every quota (sampled-rate.ts, QUOTA_WINDOWS). A refused attempt still counts toward the
 * rate, so hammering does not reopen the door; the listener closes it at once (Kafka closes
 * too: holding sockets open to delay them would cost what the limit protects).
 *
 * Memory: one entry per IP with open connections or attempts in the last measured span, at most
 * TRACKED_IPS_MAX (beyond it, idle entries are dropped first, then the oldest).
 */
import { QUOTA_WINDOWS } from './quota-manager.js';
import { SampledRate, type RateWindows } from './sampled-rate.js';

export const TRACKED_IPS_MAX = 100_000;

export interface ConnectionLimits {
  /** Open connections per IP; 0 means no limit. @default 0 */
  readonly connectionsPerIpMax: number;
  /** Connection attempts per second per IP; 0 means no limit. @default 0 */
  readonly connectionAttemptsPerIpPerSecMax: number;
}

interface IpState {
  open: number;
  attempts: SampledRate;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly limit: 'connections' | 'attempts'; readonly reason: string };

export class ConnectionLimiter {
  private readonly ips = new Map<string, IpState>();
  private readonly windows: RateWindows;

  constructor(private readonly limits: ConnectionLimits, opts: { windows?: RateWindows } = {}) {
    this.windows = opts.windows ?? QUOTA_WINDOWS;
  }

  get enabled(): boolean {
    return this.limits.connectionsPerIpMax > 0 || this.limits.connectionAttemptsPerIpPerSecMax > 0;
  }

  /** Counts an attempt from `ip`; when admitted, the caller must call release(ip) once the connection closes. */
  admit(ip: string, nowMs: number): Admission {
    if (!this.enabled) return { ok: true };
    const state = this.state(ip, nowMs);
    state.attempts.record(1, nowMs);
    const rateMax = this.limits.connectionAttemptsPerIpPerSecMax;
    if (rateMax > 0 && state.attempts.rate(nowMs) > rateMax) {
      return { ok: false, limit: 'attempts', reason: `more than ${rateMax} connection attempts per second from ${ip}` };
    }
    const openMax = this.limits.connectionsPerIpMax;
    if (openMax > 0 && state.open >= openMax) return { ok: false, limit: 'connections', reason: `more than ${openMax} connections from ${ip}` };
    state.open++;
    return { ok: true };
  }

  release(ip: string): void {
    const state = this.ips.get(ip);
    if (state && state.open > 0) state.open--;
  }

  openFrom(ip: string): number {
    return this.ips.get(ip)?.open ?? 0;
  }

  private state(ip: string, nowMs: number): IpState {
    let s = this.ips.get(ip);
    if (s) return s;
    if (this.ips.size >= TRACKED_IPS_MAX) this.evict(nowMs);
    s = { open: 0, attempts: new SampledRate(this.windows, nowMs) };
    this.ips.set(ip, s);
    return s;
  }

  private evict(nowMs: number): void {
    const spanMs = this.windows.samples * this.windows.windowMs;
    for (const [ip, s] of this.ips) if (s.open === 0 && nowMs - s.attempts.lastRecordMs >= spanMs) this.ips.delete(ip);
    // Still full: drop the oldest idle-of-connections entries (their rate history is lost, nothing else).
    for (const [ip, s] of this.ips) {
      if (this.ips.size < TRACKED_IPS_MAX) break;
      if (s.open === 0) this.ips.delete(ip);
    }
  }
}
