/**
 * The log cleaner's limits and defaults, units last. Sizing (defaults):
 *   - offset map: 16 bytes per key, used to 3/4: a 32 MiB buffer maps ~1.5 M keys per pass, so a
 *     log with more live keys than that is cleaned in several passes (each covers what fits);
 *   - I/O: every byte cleaned is read once for the map (the dirty part) and once more, with the
 *     clean part, for the rewrite, and the kept bytes are written once: cleaning a 1 GiB log that
 *     is half dirty moves ~2.5 GiB, ~80 s at the default 32 MiB/s.
 */
import assert from 'node:assert/strict';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Default of `--cleaner-buffer-bytes`: memory of the key → offset map (Kafka: 128 MiB over all threads). */
export const CLEANER_BUFFER_BYTES_DEFAULT = 32 * MiB;
/** Smallest buffer: 4 Ki keys per pass; anything smaller would mostly re-read logs. */
export const CLEANER_BUFFER_BYTES_MIN = 64 * KiB;

/**
 * Default of `--cleaner-io-bytes-per-second` (reads and writes together). Kafka's default is
 * unlimited; here the cleaner shares two cores and one disk with appends whose fdatasync is
 * the produce latency, so it is bounded by default. 0 turns the limit off.
 */
export const CLEANER_IO_BYTES_PER_SECOND_DEFAULT = 32 * MiB;

/** Bytes per read of a segment being cleaned (one threadpool read). */
export const CLEANER_READ_BYTES = 1 * MiB;
/** Cleaned batches are gathered to this many bytes before one write. */
export const CLEANER_WRITE_BYTES = 1 * MiB;
/**
 * A cleaned segment is fdatasynced every this many bytes while it is written, not once at the
 * end: one fdatasync of a whole 1 GiB segment is a long journal commit that every append's
 * fdatasync would queue behind (the same effect as one big unlink, see file-io.ts
 * truncateInSteps). RocksDB's bytes_per_sync does the same.
 */
export const CLEANER_SYNC_BYTES = 8 * MiB;

/**
 * Longest stretch of cleaner CPU work (hashing keys, filtering records) between two turns of
 * the event loop. The cleaner runs on the broker's thread: 2 ms bounds what it adds to an
 * append's or fetch's latency.
 */
export const CLEANER_SLICE_MS = 2;

/** Between two looks for a log to clean when none needed cleaning (Kafka's log.cleaner.backoff.ms). */
export const CLEANER_BACKOFF_MS = 15_000;
/** After a log's cleaning failed (I/O error, corrupt batch), it is not tried again for this long. */
export const CLEANER_RETRY_MS = 5 * 60_000;

assert.ok(CLEANER_BUFFER_BYTES_MIN <= CLEANER_BUFFER_BYTES_DEFAULT);
assert.ok(CLEANER_WRITE_BYTES <= CLEANER_SYNC_BYTES);

// ---- the cleaner worker (cleaner-worker.ts, cleaner-worker-client.ts) ----------------------

/**
 * Passes waiting for the cleaner (each a log to clean) beyond the one running: the background
 * loop queues one at a time, so only tools and tests calling cleanLog() ever queue more; past
 * this they are refused (LimitExceededError) rather than piling up behind a long pass.
 */
export const CLEANER_PASSES_QUEUED_MAX = 8;
/**
 * Longest stretch of work on the worker thread between two turns of its own event loop. It
 * shares nothing with the broker's loop; the turn only lets the worker take messages.
 */
export const CLEANER_WORKER_SLICE_MS = 20;
/** While a pass runs, how often the main thread looks whether its log was closed (then the pass stops). */
export const CLEANER_WORKER_POLL_MS = 100;
/** Nice of the worker thread where SCHED_IDLE cannot be had (thread-priority.ts): the lowest there is. */
export const CLEANER_THREAD_NICE = 19;
/** Longest wait for `chrt` at the worker's start; past it the thread keeps its priority rather than wait. */
export const CLEANER_CHRT_TIMEOUT_MS = 2_000;
/** After the worker thread died, the first restart waits this long; each further death doubles it. */
export const CLEANER_WORKER_RESTART_MS_MIN = 1_000;
/** Longest wait before restarting a worker that keeps dying. */
export const CLEANER_WORKER_RESTART_MS_MAX = 60_000;

assert.ok(CLEANER_WORKER_RESTART_MS_MIN <= CLEANER_WORKER_RESTART_MS_MAX);
