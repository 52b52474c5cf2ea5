/**
 * The acks=all latency a background job costs other partitions: one partition appends a small
 * batch and waits for its fdatasync, over and over, while the job runs. Shared by
 * bench-compaction.mjs (a cleaner pass) and bench-delete-stall.mjs (a big topic delete).
 */

/** The q-quantile of ascending `sorted` (NaN when empty). */
export function percentile(sorted, q) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Appends `makeBatch()` to `live` (a LocalLog) until `until()` settles; returns the append →
 * durable latencies in ms, ascending, and what `until()` resolved with.
 */
export async function measureAppends(live, makeBatch, until) {
  const latencies = [];
  let done = false;
  const job = until().finally(() => { done = true; });
  while (!done) {
    const t0 = performance.now();
    await live.appendAsLeader(makeBatch(), 0).durable;
    latencies.push(performance.now() - t0);
  }
  return { latencies: latencies.sort((a, b) => a - b), result: await job };
}

/** One phase's line: appends, p50/p99/p99.9/max, padded to `width`. */
export function latencyLine(phase, latencies, width) {
  const f = (x) => x.toFixed(2);
  return `${phase.padEnd(width)} ${String(latencies.length).padStart(6)} appends+fdatasync, p50 ${f(percentile(latencies, 0.5))} ms, `
    + `p99 ${f(percentile(latencies, 0.99))} ms, p99.9 ${f(percentile(latencies, 0.999))} ms, max ${f(latencies.at(-1))} ms`;
}
