/**
 * Per-partition log settings. The broker has defaults; a topic may override any of them.
 */
import { InvalidConfigError } from '../../proto/errors.js';
import {
  SEGMENT_BYTES_MAX, SEGMENT_BYTES_MIN, SEGMENT_INDEX_BYTES_MAX, SEGMENT_INDEX_BYTES_MIN,
} from './constants.js';

export type FlushPolicy = 'always' | 'interval' | 'never';

/**
 * What happens to old records (Kafka's cleanup.policy): `delete` removes whole segments past
 * retention; `compact` keeps the latest record of every key (the log cleaner); `compact,delete`
 * does both.
 */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export const CLEANUP_POLICIES: readonly CleanupPolicy[] = ['delete', 'compact', 'compact,delete'];

export interface LogConfig {
  /** Roll the active segment when it would pass this size. */
  segmentBytes: number;
  /** Roll the active segment when its first batch is older than this. */
  segmentMs: number;
  /** Delete sealed segments whose newest record is older than this; -1 keeps forever. */
  retentionMs: number;
  /** Delete the oldest sealed segments while the log is larger than this; -1 is unlimited. */
  retentionBytes: number;
  /** Bytes of log between two sparse offset-index entries. */
  indexIntervalBytes: number;
  /** Largest size of one .index (or .timeindex) file; the segment rolls when it is full. */
  segmentIndexBytes: number;
  /**
   * `always`: acknowledge acks=all produces only after fdatasync (group commit);
   * `interval`: fsync every flushIntervalMs; `never`: leave it to the OS.
   */
  flushPolicy: FlushPolicy;
  flushIntervalMs: number;
  /** @default 'delete' */
  cleanupPolicy: CleanupPolicy;
  /**
   * Compaction: a log is cleaned once its dirty part (written since the last cleaning) is at
   * least this share of its cleanable bytes. @default 0.5
   */
  minCleanableDirtyRatio: number;
  /** Compaction: records younger than this are never compacted. @default 0 */
  minCompactionLagMs: number;
  /**
   * Compaction: a dirty record older than this makes its log eligible whatever its dirty ratio,
   * and the active segment rolls at this age so it can be cleaned. @default unbounded
   */
  maxCompactionLagMs: number;
  /**
   * Compaction: how long a tombstone (a record with a null value) stays after its timestamp,
   * so consumers reading from the start see the delete. @default 1 day
   */
  deleteRetentionMs: number;
  /**
   * Check the CRC32C of every batch served by reads, so corrupt bytes surface as
   * CorruptLogError instead of reaching consumers. Batch headers are always checked.
   * @default true (VERIFY_CRC_ON_READ_DEFAULT)
   */
  verifyCrcOnRead?: boolean;
}

const MiB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * MiB,
  segmentMs: 7 * DAY_MS,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * MiB,
  flushPolicy: 'always',
  flushIntervalMs: 1000,
  cleanupPolicy: 'delete',
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: DAY_MS,
});

/** Whether the log cleaner compacts logs with this config. */
export function isCompacted(c: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return c.cleanupPolicy !== 'delete';
}

/** Whether retention deletes old segments of logs with this config. */
export function deletesByRetention(c: Pick<LogConfig, 'cleanupPolicy'>): boolean {
  return c.cleanupPolicy !== 'compact';
}

/**
 * Age at which the active segment rolls: segmentMs, or maxCompactionLagMs when compaction wants
 * it sooner (the cleaner never touches the active segment, KIP-354).
 */
export function rollAgeMs(c: Pick<LogConfig, 'segmentMs' | 'cleanupPolicy' | 'maxCompactionLagMs'>): number {
  return isCompacted(c) ? Math.min(c.segmentMs, c.maxCompactionLagMs) : c.segmentMs;
}

const FLUSH_POLICIES: readonly string[] = ['always', 'interval', 'never'];

/** Throws InvalidConfigError for a value the storage engine cannot honour. */
export function validateLogConfig(c: LogConfig): void {
  const int = (name: keyof LogConfig, min: number, max: number): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new InvalidConfigError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  int('segmentBytes', SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX);
  int('segmentMs', 1, Number.MAX_SAFE_INTEGER);
  int('retentionMs', -1, Number.MAX_SAFE_INTEGER);
  int('retentionBytes', -1, Number.MAX_SAFE_INTEGER);
  int('indexIntervalBytes', 0, SEGMENT_BYTES_MAX);
  int('segmentIndexBytes', SEGMENT_INDEX_BYTES_MIN, SEGMENT_INDEX_BYTES_MAX);
  int('flushIntervalMs', 1, Number.MAX_SAFE_INTEGER);
  int('minCompactionLagMs', 0, Number.MAX_SAFE_INTEGER);
  int('maxCompactionLagMs', 1, Number.MAX_SAFE_INTEGER);
  int('deleteRetentionMs', 0, Number.MAX_SAFE_INTEGER);
  const ratio = c.minCleanableDirtyRatio;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    throw new InvalidConfigError(`minCleanableDirtyRatio must be a number in [0, 1], got ${String(ratio)}`);
  }
  if (!CLEANUP_POLICIES.includes(c.cleanupPolicy)) {
    throw new InvalidConfigError(`cleanupPolicy must be one of ${CLEANUP_POLICIES.join(', ')}, got ${String(c.cleanupPolicy)}`);
  }
  if (!FLUSH_POLICIES.includes(c.flushPolicy)) {
    throw new InvalidConfigError(`flushPolicy must be one of ${FLUSH_POLICIES.join(', ')}, got ${String(c.flushPolicy)}`);
  }
}
