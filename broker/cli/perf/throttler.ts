/**
 * Holds a sender to a target rate, as Kafka's ThroughputThrottler does: before sending more,
 * the sender asks how long to wait so that `sentSoFar` records since `start` do not exceed
 * `recordsPerSec`. A sender that falls behind is not held back until it catches up (no
 * burst limit), which is what a fixed-rate load generator wants.
 *
 * A rate of -1 (or any negative number) means unthrottled. Timers have ~1 ms resolution, so a
 * sender should send the records due in each millisecond together (see `recordsPerSlice`).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits shorter than this are skipped: a timer cannot honour them and the next send catches up. */
const THROTTLE_WAIT_MS_MIN = 1;

export class Throttler {
  private readonly startMs: number;

  constructor(private readonly recordsPerSec: number, startMs = performance.now()) {
    this.startMs = startMs;
  }

  /** When the schedule started (performance.now() time). */
  get startedAtMs(): number {
    return this.startMs;
  }

  get unthrottled(): boolean {
    return this.recordsPerSec < 0;
  }

  /** Milliseconds to wait before the records after `sentSoFar` may go (0 if none). */
  delayMs(sentSoFar: number, nowMs = performance.now()): number {
    if (this.recordsPerSec < 0) return 0;
    if (this.recordsPerSec === 0) return Infinity;
    const dueMs = this.startMs + (sentSoFar / this.recordsPerSec) * 1000;
    return Math.max(0, dueMs - nowMs);
  }

  /** Resolves once the records after `sentSoFar` are due. */
  async wait(sentSoFar: number): Promise<void> {
    const ms = this.delayMs(sentSoFar);
    if (ms >= THROTTLE_WAIT_MS_MIN) await sleep(ms);
  }

  /**
   * How many records to hand to one send() so that a throttled sender sends each
   * `sliceMs` of its schedule at once: at least 1, at most `cap`.
   */
  recordsPerSlice(sliceMs: number, cap: number): number {
    if (this.recordsPerSec < 0) return cap;
    return Math.max(1, Math.min(cap, Math.round((this.recordsPerSec * sliceMs) / 1000)));
  }
}
