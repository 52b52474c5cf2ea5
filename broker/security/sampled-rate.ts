/**
 * A rate measured over a ring of time windows, the way Kafka's `Rate` over a `SampledStat`
 * measures quota usage (quota.window.num = 11 samples of quota.window.size.seconds = 1 s):
 *
 *   - record(v, now) adds v to the current sample; a sample older than one window is complete
 *     and the next one (reset) takes over;
 *   - samples older than samples × windowMs are reset before measuring (purged);
 *   - rate(now) = sum of samples / windowSizeMs(now), where the window size is the time since
 *     the oldest sample started, but never less than (samples - 1) windows: a new sensor
 *     measures as if it had been idle before, so the first burst is judged over ~10 s rather
 *     than over its own few milliseconds.
 *
 * Fixed memory: `samples` pairs of numbers. Event-loop use only.
 */
import assert from 'node:assert/strict';

export interface RateWindows {
  /** Samples in the ring (Kafka's quota.window.num). */
  readonly samples: number;
  /** Span of one sample (Kafka's quota.window.size.seconds, in ms). */
  readonly windowMs: number;
}

export class SampledRate {
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  private current = 0;
  /** Last time anything was recorded: idle sensors are dropped by their owner. */
  lastRecordMs: number;

  constructor(private readonly windows: RateWindows, nowMs: number) {
    assert.ok(windows.samples >= 2 && windows.windowMs > 0);
    this.starts.push(nowMs);
    this.values.push(0);
    this.lastRecordMs = nowMs;
  }

  record(value: number, nowMs: number): void {
    this.lastRecordMs = nowMs;
    if (nowMs >= this.starts[this.current]! + this.windows.windowMs) {
      this.current = (this.current + 1) % this.windows.samples;
      if (this.current >= this.starts.length) {
        this.starts.push(nowMs);
        this.values.push(0);
      } else {
        this.starts[this.current] = nowMs;
        this.values[this.current] = 0;
      }
    }
    this.values[this.current]! += value;
  }

  /** Takes back a recorded value (Kafka "unrecords" a fetch it answers empty because of a throttle). */
  unrecord(value: number, nowMs: number): void {
    this.record(-value, nowMs);
  }

  /** Per second. */
  rate(nowMs: number): number {
    return (this.total(nowMs) * 1000) / this.windowSizeMs(nowMs);
  }

  windowSizeMs(nowMs: number): number {
    this.purge(nowMs);
    let oldest = this.starts[0]!;
    for (const s of this.starts) if (s < oldest) oldest = s;
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windows.windowMs);
    const minFullWindows = this.windows.samples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.windows.windowMs;
    return elapsed;
  }

  private total(nowMs: number): number {
    this.purge(nowMs);
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum;
  }

  private purge(nowMs: number): void {
    const expireMs = this.windows.samples * this.windows.windowMs;
    for (let i = 0; i < this.starts.length; i++) {
      if (nowMs - this.starts[i]! >= expireMs) {
        this.starts[i] = nowMs;
        this.values[i] = 0;
      }
    }
  }
}
