/**
 * The output lines of Kafka's perf tools, in the same shape, so numbers from `strata perf` can
 * be read (and parsed) as `kafka-producer-perf-test` and `kafka-consumer-perf-test` output is.
 *
 * Producer lines (2 decimals for rates and mean latency, whole milliseconds for the maximum and
 * percentiles):
 *   `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.`
 *   `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p ms 50th, p ms 95th, p ms 99th, p ms 99.9th.`
 * Consumer: a CSV header and one line; times are local `yyyy-MM-dd HH:mm:ss:SSS`, sizes in MB
 * of 1024 * 1024 bytes, 4 decimals, as Kafka's ConsumerPerformance prints them.
 */

const BYTES_PER_MB = 1024 * 1024;

export interface WindowFigures {
  records: number;
  bytes: number;
  elapsedMs: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

export interface TotalFigures extends WindowFigures {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

function rates(f: WindowFigures): string {
  const seconds = f.elapsedMs / 1000;
  const recordsPerSec = seconds > 0 ? f.records / seconds : 0;
  const mbPerSec = seconds > 0 ? f.bytes / BYTES_PER_MB / seconds : 0;
  return `${f.records} records sent, ${recordsPerSec.toFixed(2)} records/sec (${mbPerSec.toFixed(2)} MB/sec), `
    + `${f.avgLatencyMs.toFixed(2)} ms avg latency, ${Math.round(f.maxLatencyMs)} ms max latency`;
}

/** The line the producer tool prints every reporting interval. */
export function producerWindowLine(f: WindowFigures): string {
  return `${rates(f)}.`;
}

/** The producer tool's final line. */
export function producerTotalLine(f: TotalFigures): string {
  return `${rates(f)}, ${Math.round(f.p50Ms)} ms 50th, ${Math.round(f.p95Ms)} ms 95th, `
    + `${Math.round(f.p99Ms)} ms 99th, ${Math.round(f.p999Ms)} ms 99.9th.`;
}

export const CONSUMER_HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, '
  + 'rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

export interface ConsumerFigures {
  startMs: number;
  endMs: number;
  bytes: number;
  records: number;
  /** Time before fetching could start (Kafka: the group join; here: assign()). */
  rebalanceMs: number;
}

/** Kafka's consumer-perf data line for one run. */
export function consumerLine(f: ConsumerFigures): string {
  const elapsedS = (f.endMs - f.startMs) / 1000;
  const fetchMs = f.endMs - f.startMs - f.rebalanceMs;
  const mb = f.bytes / BYTES_PER_MB;
  const per = (amount: number, seconds: number) => (seconds > 0 ? amount / seconds : 0).toFixed(4);
  return [
    kafkaDate(f.startMs), kafkaDate(f.endMs), mb.toFixed(4), per(mb, elapsedS), String(f.records), per(f.records, elapsedS),
    String(Math.round(f.rebalanceMs)), String(Math.round(fetchMs)), per(mb, fetchMs / 1000), per(f.records, fetchMs / 1000),
  ].join(', ');
}

/** `yyyy-MM-dd HH:mm:ss:SSS` in local time (Kafka's default --date-format). */
export function kafkaDate(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} `
    + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}
