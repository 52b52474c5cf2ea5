/**
 * The storage engine's public surface: what the broker uses. Everything else in this folder is
 * internal to it.
 */
export { LogManager } from './log-manager.js';
export { LocalLog } from './local-log.js';
export { DEFAULT_LOG_CONFIG, validateLogConfig } from './log-config.js';
export { UnexpectedAppendOffsetError } from './unexpected-append-offset-error.js';
export { ioErrorDetail } from './file-io.js';

export type { LogManagerIntervals, LogManagerOptions } from './log-manager.js';
export type { AppendResult, LocalLogOptions, LocalLogStats, LogEndListener, LogReadResult } from './local-log.js';
export type { FlushPolicy, LogConfig } from './log-config.js';
