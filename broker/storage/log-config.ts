/**
 * Per-partition log settings. The broker has defaults; a topic may override any of them.
 */

export type FlushPolicy = 'always' | 'interval' | 'never';

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
});
