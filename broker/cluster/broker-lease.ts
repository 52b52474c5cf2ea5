/**
 * A broker's etcd lease, and the deadline by which the broker must assume it has lost it.
 *
 * etcd expires a lease TTL seconds after the last keepalive it RECEIVED. The broker cannot see
 * that moment, but it knows when it SENT each keepalive that etcd answered: etcd received it
 * later, so "send time of the last answered keepalive + TTL" is never after etcd's expiry.
 * The broker stops acting on the lease LEASE_DEADLINE_MARGIN_MS before that (`valid()`), and
 * does not wait for etcd3's own 'lost' event, which fires only after 2 × TTL without a
 * keepalive: by then another broker may long have taken over.
 *
 * States: valid → (deadline passes with no answer) suspended → (an answer arrives: etcd still
 * holds the lease, so nobody took over) valid again; or → lost (etcd says the lease expired, or
 * etcd3 gives up): final, the owner grants a new lease and registers again.
 *
 * Events: 'suspended', 'resumed', 'lost' (once). Time is performance.now(): monotonic, and it
 * keeps running while the process is stopped (SIGSTOP), which is what makes a woken zombie see
 * at once that its deadline is long past.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Lease } from 'etcd3';
import type { Logger } from '../logger.js';
import { LEASE_DEADLINE_MARGIN_MS } from './constants.js';
import type { EtcdClient } from './etcd-client.js';

export type LeaseState = 'valid' | 'suspended' | 'lost';

export class BrokerLease extends EventEmitter {
  private leaseState: LeaseState = 'valid';
  private deadlineMs: number;
  /** Send times of keepalives not answered yet, oldest first (answers come in order on a stream). */
  private pendingSends: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly lease: Lease, readonly id: string, readonly ttlS: number, grantSentMs: number, private readonly logger: Logger) {
    super();
    this.deadlineMs = grantSentMs + ttlS * 1000 - LEASE_DEADLINE_MARGIN_MS;
    lease.on('keepaliveEstablished', () => { this.pendingSends = []; });
    lease.on('keepaliveFired', () => {
      this.pendingSends.push(performance.now());
      if (this.pendingSends.length > 16) this.pendingSends.shift(); // answers lost with a broken stream
    });
    lease.on('keepaliveSucceeded', (res: { TTL: string }) => this.answered(Number(res.TTL)));
    lease.on('lost', (err: unknown) => this.markLost(err));
    this.arm();
  }

  /** Grants a lease of `ttlS` seconds and starts keeping it alive. */
  static async grant(client: EtcdClient, ttlS: number, logger: Logger): Promise<BrokerLease> {
    const sent = performance.now();
    const lease = client.lease(ttlS);
    const id = await lease.grant();
    return new BrokerLease(lease, id, ttlS, sent, logger);
  }

  get state(): LeaseState {
    return this.leaseState;
  }

  /** True while the broker may act on the lease: before its own deadline and not lost. */
  valid(): boolean {
    if (this.leaseState !== 'valid') return false;
    if (performance.now() >= this.deadlineMs) {
      this.suspend();
      return false;
    }
    return true;
  }

  /** Milliseconds left before the deadline (negative once past). */
  remainingMs(): number {
    return this.deadlineMs - performance.now();
  }

  /** Revokes the lease in etcd (its keys go at once); used on clean shutdown. */
  async revoke(): Promise<void> {
    this.clearTimer();
    this.leaseState = 'lost';
    await this.lease.revoke();
  }

  /** Stops keeping the lease alive without revoking it (etcd expires it after the TTL). */
  release(): void {
    this.clearTimer();
    this.leaseState = 'lost';
    this.lease.release();
  }

  private answered(ttlS: number): void {
    const sent = this.pendingSends.shift();
    if (sent === undefined || this.leaseState === 'lost') return;
    if (!(ttlS > 0)) return; // etcd3 turns TTL 0 into 'lost'
    this.deadlineMs = Math.max(this.deadlineMs, sent + ttlS * 1000 - LEASE_DEADLINE_MARGIN_MS);
    if (this.leaseState === 'suspended' && performance.now() < this.deadlineMs) {
      this.leaseState = 'valid';
      this.logger.info({ leaseId: this.id }, 'lease keepalive answered again; resuming');
      this.emit('resumed');
    }
    this.arm();
  }

  private arm(): void {
    this.clearTimer();
    if (this.leaseState !== 'valid') return;
    // Timers run on a millisecond clock and may fire a fraction of a millisecond early: check
    // again rather than trust that the deadline has passed.
    this.timer = setTimeout(() => {
      if (this.valid()) this.arm();
    }, Math.max(1, Math.ceil(this.deadlineMs - performance.now())));
    this.timer.unref();
  }

  private suspend(): void {
    if (this.leaseState !== 'valid') return;
    this.leaseState = 'suspended';
    this.clearTimer();
    this.logger.warn({ leaseId: this.id, ttlS: this.ttlS }, 'no keepalive answered before the lease deadline; suspending everything that needs the lease');
    this.emit('suspended');
  }

  private markLost(err: unknown): void {
    if (this.leaseState === 'lost') return;
    this.leaseState = 'lost';
    this.clearTimer();
    this.logger.warn({ leaseId: this.id, err }, 'lease lost');
    this.emit('lost', err);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
