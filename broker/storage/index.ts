/**
 * The storage engine's public surface: what the broker uses. Everything else in this folder is
 * internal to it.
 */
export { LogManager } from './log-manager.js';
export { PartitionLog } from './partition-log.js';
export { DEFAULT_LOG_CONFIG, validateLogConfig } from './log-config.js';
export { releaseReadBuffer } from './log-reader.js';

export type { LogManagerIntervals, LogManagerOptions } from './log-manager.js';
export type { AppendResult, PartitionLogOptions, PartitionLogStats, ReadResult } from './partition-log.js';
export type { FlushPolicy, LogConfig } from './log-config.js';
