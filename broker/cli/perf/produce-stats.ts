/**
 * Counts acknowledged records for `strata perf produce` and prints Kafka's window line every
 * REPORT_INTERVAL_MS and the total line at the end.
 *
 * Latency is sampled per send() call, not per record: a call's latency (send() → its promise
 * resolving, i.e. the acknowledgement of its last record) is counted once for each record in
 * the call. A per-record timer would cost more than the records themselves at a million a
 * second; with calls of at most a few thousand records that fit in one batch, every record of
 * a call is acknowledged by the same response, so the weighting is exact for them.
 *
 * Like Kafka's Stats, a window is closed by the first acknowledgement at least
 * REPORT_INTERVAL_MS after it opened (no timer: an idle run prints nothing).
 */
import { LatencyHistogram } from './histogram.js';
import { producerTotalLine, producerWindowLine } from './kafka-format.js';

/** Kafka's reporting interval for producer-perf windows. */
export const REPORT_INTERVAL_MS = 5_000;

export class ProduceStats {
  private readonly startMs: number;
  private readonly histogram = new LatencyHistogram();
  private records = 0;
  private bytes = 0;
  private windowStartMs: number;
  private windowRecords = 0;
  private windowBytes = 0;
  private windowLatencySumMs = 0;
  private windowLatencyMaxMs = 0;

  constructor(private readonly println: (line: string) => void, startMs = performance.now()) {
    this.startMs = startMs;
    this.windowStartMs = startMs;
  }

  get acknowledged(): number { return this.records; }

  /** `records` records of `bytes` bytes in total were acknowledged `latencyMs` after their send(). */
  record(records: number, bytes: number, latencyMs: number, nowMs = performance.now()): void {
    this.records += records;
    this.bytes += bytes;
    this.histogram.record(latencyMs, records);
    this.windowRecords += records;
    this.windowBytes += bytes;
    this.windowLatencySumMs += latencyMs * records;
    if (latencyMs > this.windowLatencyMaxMs) this.windowLatencyMaxMs = latencyMs;
    if (nowMs - this.windowStartMs >= REPORT_INTERVAL_MS) {
      this.println(producerWindowLine({
        records: this.windowRecords,
        bytes: this.windowBytes,
        elapsedMs: nowMs - this.windowStartMs,
        avgLatencyMs: this.windowLatencySumMs / this.windowRecords,
        maxLatencyMs: this.windowLatencyMaxMs,
      }));
      this.windowStartMs = nowMs;
      this.windowRecords = 0;
      this.windowBytes = 0;
      this.windowLatencySumMs = 0;
      this.windowLatencyMaxMs = 0;
    }
  }

  /** The final line, over the whole run up to `endMs`. */
  totalLine(endMs = performance.now()): string {
    const h = this.histogram;
    return producerTotalLine({
      records: this.records,
      bytes: this.bytes,
      elapsedMs: endMs - this.startMs,
      avgLatencyMs: h.meanMs(),
      maxLatencyMs: h.maxMs(),
      p50Ms: h.percentileMs(0.5),
      p95Ms: h.percentileMs(0.95),
      p99Ms: h.percentileMs(0.99),
      p999Ms: h.percentileMs(0.999),
    });
  }
}
