/**
 * Counts records the end-to-end tool's consumer receives, with their produce → consume
 * latencies: a window line every REPORT_INTERVAL_MS (closed by the first record after it, as
 * the producer tool does), the whole run, and - when a warm-up is set - the steady state:
 * records *sent* at or after the end of the warm-up (JIT compilation, first segment files and
 * connection buffers growing make the first second unrepresentative), as Kafka's
 * producer-perf `--warmup-records` prints a separate "steady state" line.
 *
 * Lines (percentiles to 0.01 ms: the interesting ones are around a millisecond):
 *   `N records received, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.`
 *   `N records sent, N records received, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p ms 50th, p ms 95th, p ms 99th, p ms 99.9th.`
 *   `N steady state records received, ...` (same fields)
 */
import { LatencyHistogram } from './histogram.js';
import { REPORT_INTERVAL_MS } from './produce-stats.js';

const BYTES_PER_MB = 1024 * 1024;

/** Records, bytes and latencies over some span of the run. */
class Tally {
  readonly latency = new LatencyHistogram();
  bytes = 0;

  add(latencyMs: number, bytes: number, records: number): void {
    this.latency.record(latencyMs, records);
    this.bytes += bytes;
  }

  /** `N<label> records received, X records/sec (Y MB/sec), A ms avg latency, M ms max latency` */
  describe(label: string, elapsedMs: number): string {
    const h = this.latency;
    const s = elapsedMs / 1000;
    const per = (n: number) => (s > 0 ? n / s : 0).toFixed(2);
    return `${h.count}${label} records received, ${per(h.count)} records/sec (${per(this.bytes / BYTES_PER_MB)} MB/sec), `
      + `${h.meanMs().toFixed(2)} ms avg latency, ${h.maxMs().toFixed(2)} ms max latency`;
  }

  percentiles(): string {
    const h = this.latency;
    return `${h.percentileMs(0.5).toFixed(2)} ms 50th, ${h.percentileMs(0.95).toFixed(2)} ms 95th, `
      + `${h.percentileMs(0.99).toFixed(2)} ms 99th, ${h.percentileMs(0.999).toFixed(2)} ms 99.9th`;
  }
}

export class E2eStats {
  private readonly all = new Tally();
  private readonly steady = new Tally();
  private window = new Tally();
  private windowStartMs: number;
  private readonly warmupEndMs: number;

  /** `startMs` and the send times passed to record() are on the same clock (performance.now()). */
  constructor(private readonly startMs: number, warmupMs: number, private readonly println: (line: string) => void) {
    this.windowStartMs = startMs;
    this.warmupEndMs = startMs + warmupMs;
  }

  get received(): number { return this.all.latency.count; }

  /**
   * `records` records sent at `sendMs`, with `bytes` of keys and values in all, arrived at
   * `nowMs` (records of one send() that arrive together are counted in one call).
   */
  record(sendMs: number, bytes: number, nowMs: number, records = 1): void {
    const latencyMs = nowMs - sendMs;
    this.all.add(latencyMs, bytes, records);
    if (sendMs >= this.warmupEndMs && this.warmupEndMs > this.startMs) this.steady.add(latencyMs, bytes, records);
    this.window.add(latencyMs, bytes, records);
    if (nowMs - this.windowStartMs >= REPORT_INTERVAL_MS) {
      this.println(`${this.window.describe('', nowMs - this.windowStartMs)}.`);
      this.window = new Tally();
      this.windowStartMs = nowMs;
    }
  }

  /** The final line(s); rates are over the sending time, which ended at `sendEndMs`. */
  totalLines(sent: number, sendEndMs: number): string[] {
    const lines = [`${sent} records sent, ${this.all.describe('', sendEndMs - this.startMs)}, ${this.all.percentiles()}.`];
    if (this.warmupEndMs > this.startMs) {
      lines.push(`${this.steady.describe(' steady state', sendEndMs - this.warmupEndMs)}, ${this.steady.percentiles()}.`);
    }
    return lines;
  }
}
