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
/** Longest single sleep of a throttled charge: how late a stop is noticed. */
const SLEEP_STEP_MS = 100;

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

  /**
   * Charges `bytes` of I/O done (or about to be done); waits while the budget is overdrawn, in
   * steps of at most SLEEP_STEP_MS, returning early once `stopped()` says so (a 1 MiB read at a
   * low budget would otherwise hold a stopping cleaner for seconds).
   */
  async charge(bytes: number, stopped?: () => boolean): Promise<void> {
    if (!this.limited || bytes <= 0) return;
    this.refill();
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    let waitMs = (-this.tokens / this.bytesPerSecond) * 1000;
    while (waitMs > 0) {
      const step = Math.min(waitMs, SLEEP_STEP_MS);
      const t0 = this.now();
      await sleep(step);
      const slept = this.now() - t0;
      this.sleptMs += slept;
      waitMs -= Math.max(slept, step);
      if (stopped?.()) break;
    }
    this.refill();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((t - this.last) / 1000) * this.bytesPerSecond);
    this.last = t;
  }
}
