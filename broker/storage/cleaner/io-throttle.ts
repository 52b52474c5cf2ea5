/**
 * The cleaner's I/O budget (`--cleaner-io-bytes-per-second`, Kafka's
 * log.cleaner.io.max.bytes.per.second): bytes read and written by cleaning are charged here,
 * and a caller that got ahead of the rate sleeps until it is back on it. A token bucket that
 * allows bursts of at most BURST_MS worth of bytes, so an idle second does not buy a burst that
 * would stall appends' fdatasyncs behind a wall of cleaner writes.
 *
 * Concurrency: one cleaner, one pass at a time; charges are serial.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest burst the bucket holds, as time at the configured rate. */
const BURST_MS = 50;

export class IoThrottle {
  private tokens: number;
  private last: number;
  private sleptMs = 0;

  /** `bytesPerSecond` <= 0 or Infinity: no limit. */
  constructor(readonly bytesPerSecond: number, private readonly now: () => number = () => performance.now()) {
    this.tokens = this.burstBytes;
    this.last = now();
  }

  get limited(): boolean {
    return Number.isFinite(this.bytesPerSecond) && this.bytesPerSecond > 0;
  }

  /** Time spent waiting so far. */
  get throttledMs(): number {
    return this.sleptMs;
  }

  private get burstBytes(): number {
    return this.limited ? (this.bytesPerSecond * BURST_MS) / 1000 : 0;
  }

  /** Charges `bytes` of I/O done (or about to be done); waits while the budget is overdrawn. */
  async charge(bytes: number): Promise<void> {
    if (!this.limited || bytes <= 0) return;
    this.refill();
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.bytesPerSecond) * 1000;
    this.sleptMs += waitMs;
    await sleep(waitMs);
    this.refill();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((t - this.last) / 1000) * this.bytesPerSecond);
    this.last = t;
  }
}
