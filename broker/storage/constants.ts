/**
 * Storage limits and fixed sizes. Every bound the partition log relies on lives here, with its
 * unit last; the relationships between them are asserted at load time at the bottom.
 *
 * Back-of-the-envelope sizing (defaults: 1 GiB segments, 4 KiB index interval):
 *   - offset index: 8 bytes per 4 KiB of log = 2 MiB per GiB (256 Ki entries);
 *   - time index: at most 12 bytes per 4 KiB of log = 3 MiB per GiB;
 *   - the 10 MiB index cap (segmentIndexBytes) therefore never fills before a 1 GiB segment
 *     does unless batches are smaller than ~4 KiB *and* interval is lowered.
 */
import assert from 'node:assert/strict';
import { BATCH_BYTES_MAX, BATCH_HEADER_BYTES, FRAME_BYTES_MAX } from '../../proto/constants.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** `.index` entry: u32 offset relative to the segment base, u32 byte position in the `.log`. */
export const OFFSET_INDEX_ENTRY_BYTES = 8;
/** `.timeindex` entry: i64 largest timestamp so far, u32 relative offset where it was reached. */
export const TIME_INDEX_ENTRY_BYTES = 12;

/** Index entries store offsets relative to the segment base as u32. */
export const RELATIVE_OFFSET_MAX = 0xffff_ffff;
/** Index entries store byte positions as u32, so no batch may start past this. */
export const SEGMENT_POSITION_MAX = 0xffff_ffff;

/**
 * Largest configurable segment. One append (up to APPEND_BYTES_MAX) may start just below it, and
 * every batch start must still fit a u32 position.
 */
export const SEGMENT_BYTES_MAX = 2 * 1024 * MiB;
/** Smallest configurable segment; tiny values only make sense in tests. */
export const SEGMENT_BYTES_MIN = 1 * KiB;
/**
 * Smallest index file: two time-index entries, one of which is reserved for the entry written
 * when the segment is sealed (so the last entry always holds the segment's largest timestamp).
 */
export const SEGMENT_INDEX_BYTES_MIN = 4 * TIME_INDEX_ENTRY_BYTES;
/** Largest index file: positions in it are written as plain numbers. */
export const SEGMENT_INDEX_BYTES_MAX = 1024 * MiB;

/**
 * Index entries are written to the file once this many bytes of them are pending (one page),
 * not with every write: with 16 KiB batches every batch adds an entry, and a separate small
 * write per index per group cost as much main-thread time as the log writev itself.
 */
export const INDEX_WRITE_THROUGH_BYTES = 4096;

/**
 * Broker-wide budget for the in-memory indexes of *sealed* segments (IndexCache): past it the
 * least recently used unpinned ones are unloaded. 32 MiB holds the indexes of ~6 GiB of log
 * written in small batches (~5 MiB per GiB, see above) and of thousands of GiB written in
 * 1 MiB batches (one 8-byte entry per batch); reloading an unloaded segment's indexes costs one
 * page-cache read of at most a few MiB. Active segments' indexes are not counted: the writer
 * needs them, and they start at INDEX_ENTRIES_INITIAL entries. Default of `--index-cache-bytes`.
 */
export const INDEX_CACHE_BYTES_MAX = 32 * MiB;

/** In-memory index arrays start at this many entries and double, so idle partitions stay small. */
export const INDEX_ENTRIES_INITIAL = 64;

/**
 * One produce call (all batches of one partition in one request) arrives as one buffer; it is
 * never split across segments, so it must fit into one frame.
 */
export const APPEND_BYTES_MAX = FRAME_BYTES_MAX;

/**
 * Bytes accepted by append() but not yet written, per partition. Past it append() throws
 * TooManyRequestsError (retriable): a disk that cannot keep up pushes back instead of the broker
 * buffering without bound. 256 MiB is several seconds of the fastest disks here.
 */
export const APPEND_QUEUE_BYTES_MAX = 256 * MiB;

/**
 * One writev covers at most this many bytes and buffers. Linux's IOV_MAX is 1024; 16 MiB keeps
 * one write short enough (a few ms) that the flusher can start its fdatasync soon.
 */
export const WRITE_GROUP_BYTES_MAX = 16 * MiB;
export const WRITE_GROUP_BUFFERS_MAX = 1024;

/**
 * Tail cache (tail-cache.ts): memory one partition log may keep for its most recent appends, and
 * all logs of the process together (tail-cache-budget.ts). A consumer at the end of the log is
 * answered from it without a threadpool read. 1 MiB is ~100 ms of a 10 MB/s partition: a tailing
 * consumer reads within milliseconds, and entries kept longer than two scavenges (~300 ms here)
 * are promoted to V8's old space with their produce frames. Measured with perf e2e at 100k rec/s
 * and --trace-gc: 4 MiB gave 15 mark-compacts (pauses up to 7.4 ms) in 12 s, 1 MiB gave 1, as
 * without the cache. 32 MiB caps 1,000 busy partitions. An entry is charged the whole buffer it
 * keeps alive. Defaults of `--tail-cache-partition-bytes` and `--tail-cache-bytes` (per broker).
 */
export const TAIL_CACHE_PARTITION_BYTES_MAX = 1 * MiB;
export const TAIL_CACHE_BYTES_MAX = 32 * MiB;

/**
 * Log writes up to this size are made synchronously (file-io.ts writevAt). Measured on the 2-vCPU
 * dev box under load (p50/p99): writevSync 16 KiB 19/35 us, 64 KiB 31/48 us, 256 KiB 75/143 us;
 * the threadpool writev of the same sizes 107/266, 120/207, 125/536 us. Up to 256 KiB the copy is
 * cheaper than the hand-off; a 1 MiB produce frame (235 us of copying) goes to the threadpool so
 * big writes never hold the event loop up for long.
 */
export const SYNC_WRITE_BYTES_MAX = 256 * KiB;

/** A read never asks the file for more than this, whatever maxBytes says (plus one batch). */
export const READ_BYTES_MAX = 64 * MiB;
/**
 * Fetch reads of at least POOL_BUFFER_BYTES_MIN go into recycled buffers (log-reader.ts), kept
 * up to this many bytes. A fresh ~1 MiB Buffer per fetch is memory outside the JS heap, and V8
 * answers every ~16 MiB of it with a full mark-compact (measured: one every ~17 random 1 MiB
 * fetches, 3.5-6 ms each, the p99 of a fetch). 16 MiB keeps a dozen 1.25 MiB read buffers,
 * the reads in flight of a dozen consumers; past that, reads allocate as before.
 */
export const READ_BUFFER_POOL_BYTES_MAX = 16 * MiB;

/**
 * A fetch reads maxBytes plus the index interval (capped at this) in one go, because the wanted
 * batch lies at most about one interval past the index entry it starts from.
 */
export const READ_SKIP_BYTES_MAX = 1 * MiB;

/**
 * Scans that only need batch headers (scanBatchHeaders, tail scans) read windows of this size:
 * several small batches per read, and only a few wasted bytes per read for big ones.
 */
export const HEADER_SCAN_READ_BYTES = 64 * KiB;
/** Only the fixed fields up to lastOffsetDelta are needed to walk from batch to batch. */
export const HEADER_WALK_BYTES = BATCH_HEADER_BYTES;

/**
 * Recovery and index rebuilds read the log in windows of this size and check every CRC; a
 * window must hold the largest batch.
 */
export const RECOVERY_READ_BYTES = 16 * MiB;

/**
 * Deleted segments' .log files are truncated by this much per step before the unlink (see
 * file-io.ts `truncateInSteps`), with LOG_DELETE_STEP_PAUSE_MS between steps: at most ~4 GB/s
 * of deletion, each step a small journal transaction.
 */
export const LOG_DELETE_STEP_BYTES = 8 * MiB;
/** Pause between two truncation steps of a deleted .log, so appends' fdatasyncs slip in between. */
export const LOG_DELETE_STEP_PAUSE_MS = 2;
/** A deleted topic's directory whose removal failed (EIO...) is tried again after this long. */
export const DIR_DELETE_RETRY_MS = 30_000;

/**
 * Whether read() checks the CRC32C of every batch it returns. With the native CRC (~5 GB/s) this
 * costs ~0.2 ms per MiB and guarantees corrupt bytes are never served; turn off via
 * LogConfig.verifyCrcOnRead when the CPU matters more.
 */
export const VERIFY_CRC_ON_READ_DEFAULT = true;

/** LogManager housekeeping periods. */
export const MANAGER_TICK_MS = 100;
/** Retention and age-based roll checks (Kafka's log.retention.check.interval.ms). */
export const RETENTION_CHECK_INTERVAL_MS = 5 * 60_000;
/** Age-based rolls are checked more often than retention because segmentMs may be short. */
export const ROLL_CHECK_INTERVAL_MS = 10_000;
/** Recovery-point checkpoint (Kafka's log.flush.offset.checkpoint.interval.ms). */
export const CHECKPOINT_INTERVAL_MS = 60_000;

assert.ok(SEGMENT_BYTES_MAX + APPEND_BYTES_MAX <= SEGMENT_POSITION_MAX, 'batch positions must fit a u32');
assert.ok(RECOVERY_READ_BYTES >= BATCH_BYTES_MAX, 'a recovery window must hold the largest batch');
assert.ok(READ_BYTES_MAX >= BATCH_BYTES_MAX, 'a read must be able to return the largest batch');
assert.ok(SEGMENT_BYTES_MIN >= BATCH_HEADER_BYTES);
assert.ok(HEADER_SCAN_READ_BYTES >= HEADER_WALK_BYTES);
assert.ok(SEGMENT_INDEX_BYTES_MIN >= 2 * TIME_INDEX_ENTRY_BYTES && SEGMENT_INDEX_BYTES_MIN >= 2 * OFFSET_INDEX_ENTRY_BYTES);
assert.ok(WRITE_GROUP_BYTES_MAX >= BATCH_BYTES_MAX);
assert.ok(TAIL_CACHE_PARTITION_BYTES_MAX <= TAIL_CACHE_BYTES_MAX);
