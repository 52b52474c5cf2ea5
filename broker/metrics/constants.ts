/**
 * Histogram buckets of the broker's metrics. Each bucket is one more series per label set, so
 * they are few and chosen for what the numbers mean here.
 */

/**
 * Request durations: from 0.25 ms (an in-memory fetch answered from the tail cache) to 30 s
 * (the longest long poll, FETCH_WAIT_MS_MAX_CEILING region); produce with acks=all on a disk
 * that fsyncs in ~1-10 ms lands in the middle.
 */
export const REQUEST_SECONDS_BUCKETS: readonly number[] = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** fdatasync passes: 50 µs (a page-cache-only device) to 2.5 s (a stalled disk worth alerting on). */
export const FSYNC_SECONDS_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Appends one fdatasync made durable (group commit): 1 (no batching) up to the thousands under load. */
export const GROUP_COMMIT_APPENDS_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
