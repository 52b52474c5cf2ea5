/**
 * File names inside a partition directory and the data directory, all in one place.
 *
 * A segment is three files sharing its base offset, zero-padded to 20 digits so that a plain
 * lexicographic listing is in offset order (Kafka's layout):
 *
 *   00000000000000000000.log        record batches
 *   00000000000000000000.index      sparse offset → position index
 *   00000000000000000000.timeindex  sparse timestamp → offset index
 *
 * Files ending in a temp suffix are leftovers of an interrupted write or rebuild and are removed
 * when the log is opened.
 */
import path from 'node:path';

export const LOG_SUFFIX = '.log';
export const OFFSET_INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';

/** A segment .log being deleted is renamed to end with this before it is shrunk (removed on open). */
export const DELETED_SUFFIX = '.deleted';
/** Suffixes of files that never hold committed data: removed on open. */
export const TEMP_SUFFIXES: readonly string[] = ['.tmp', '.cleaned', '.swap', DELETED_SUFFIX];

/** Digits in a base-offset file name: enough for any int64 offset. */
export const BASE_OFFSET_DIGITS = 20;

/** In the data directory: per-partition flushed offsets, written atomically. */
export const RECOVERY_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
/** In the data directory: per compacted partition, the first offset the cleaner has not cleaned. */
export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
/** In the data directory: present only after a clean shutdown. */
export const CLEAN_SHUTDOWN_FILE = '.strata-clean-shutdown';
/** A partition directory renamed for deletion ends with this; removed on the next start. */
export const DELETE_DIR_SUFFIX = '-delete';

const BASE_NAME_PATTERN = /^(\d{20})\.(log|index|timeindex)$/;

export type SegmentFileKind = 'log' | 'index' | 'timeindex';

export function baseOffsetName(baseOffset: number): string {
  return String(baseOffset).padStart(BASE_OFFSET_DIGITS, '0');
}

export function logFilePath(dir: string, baseOffset: number): string {
  return path.join(dir, baseOffsetName(baseOffset) + LOG_SUFFIX);
}

export function offsetIndexPath(dir: string, baseOffset: number): string {
  return path.join(dir, baseOffsetName(baseOffset) + OFFSET_INDEX_SUFFIX);
}

export function timeIndexPath(dir: string, baseOffset: number): string {
  return path.join(dir, baseOffsetName(baseOffset) + TIME_INDEX_SUFFIX);
}

/** Parses `00000000000000000042.log` into { baseOffset: 42, kind: 'log' }; undefined otherwise. */
export function parseSegmentFileName(name: string): { baseOffset: number; kind: SegmentFileKind } | undefined {
  const m = BASE_NAME_PATTERN.exec(name);
  if (!m) return undefined;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return undefined;
  return { baseOffset, kind: m[2] as SegmentFileKind };
}

export function isTempFileName(name: string): boolean {
  return TEMP_SUFFIXES.some((s) => name.endsWith(s));
}

/** `${topic}-${partition}`: the partition directory name. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits a partition directory name at its last '-' (topic names may contain '-'). */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | undefined {
  const i = name.lastIndexOf('-');
  if (i <= 0) return undefined;
  const digits = name.slice(i + 1);
  if (!/^\d+$/.test(digits)) return undefined;
  return { topic: name.slice(0, i), partition: Number(digits) };
}
