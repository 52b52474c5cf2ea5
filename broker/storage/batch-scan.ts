/**
 * Walking the record batches of a `.log` file: the checks every reader of stored bytes applies
 * (recovery, index rebuilds, fetch reads, header scans) and a windowed positional scanner.
 *
 * A batch on disk is valid when its length is within [BATCH_HEADER_BYTES, BATCH_BYTES_MAX], it
 * lies entirely inside the data, its magic is 2, its offsets are safe integers and its base
 * offset is at least the one expected (past the previous batch's last offset: a compacted log
 * has gaps where the cleaner removed whole batches, see proto/record-batch.ts OffsetLayout); in
 * `crc` mode its CRC32C and record count are checked too (validateBatch, compacted layout).
 */
import type { FileHandle } from 'node:fs/promises';
import { BATCH_BYTES_MAX, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, RECORD_BATCH_MAGIC } from '../../proto/constants.js';
import { readInt64BE } from '../../proto/int64.js';
import {
  OFFSET_BASE_OFFSET, OFFSET_BATCH_LENGTH, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAGIC, OFFSET_MAX_TIMESTAMP, validateBatch,
} from '../../proto/record-batch.js';
import { readAt } from './file-io.js';

/** Bad bytes at `position` of a log file. `torn`: the data simply ends inside a batch. */
export class BatchFault extends Error {
  constructor(readonly position: number, readonly reason: string, readonly torn: boolean) {
    super(`${reason} at byte ${position}`);
    this.name = 'BatchFault';
  }
}

export interface BatchInfo {
  /** Byte position of the batch in the file. */
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

/**
 * Checks the fixed header of the batch at `buf[at]`, which starts at file byte `position`;
 * `dataLeft` is how many bytes of valid data the file holds from there on. Needs
 * BATCH_HEADER_BYTES in `buf` (callers guarantee it or report a torn batch themselves).
 */
export function checkBatchHeader(buf: Buffer, at: number, position: number, dataLeft: number, expectOffset: number | undefined): BatchInfo {
  const size = BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(at + OFFSET_BATCH_LENGTH);
  if (size < BATCH_HEADER_BYTES || size > BATCH_BYTES_MAX) {
    throw new BatchFault(position, `batch length ${size} is out of range`, false);
  }
  const magic = buf.readInt8(at + OFFSET_MAGIC);
  if (magic !== RECORD_BATCH_MAGIC) throw new BatchFault(position, `batch magic is ${magic}`, false);
  let baseOffset: number;
  let maxTimestamp: number;
  try {
    baseOffset = readInt64BE(buf, at + OFFSET_BASE_OFFSET);
    maxTimestamp = readInt64BE(buf, at + OFFSET_MAX_TIMESTAMP);
  } catch {
    throw new BatchFault(position, 'batch offset or timestamp is not a safe integer', false);
  }
  const delta = buf.readInt32BE(at + OFFSET_LAST_OFFSET_DELTA);
  if (delta < 0) throw new BatchFault(position, `batch lastOffsetDelta ${delta} is negative`, false);
  if (expectOffset !== undefined && baseOffset < expectOffset) {
    throw new BatchFault(position, `batch base offset ${baseOffset} goes back before ${expectOffset}`, false);
  }
  // Checked last so that garbage is reported as corrupt rather than as a torn tail.
  if (size > dataLeft) throw new BatchFault(position, `batch of ${size} bytes is cut off after ${dataLeft}`, true);
  return { position, size, baseOffset, lastOffset: baseOffset + delta, maxTimestamp };
}

/** Full check (CRC32C, counts) of the batch at `buf[at]`, whose header already passed. */
export function checkBatchCrc(buf: Buffer, at: number, info: BatchInfo): void {
  try {
    validateBatch(buf.subarray(at, at + info.size), 0, BATCH_BYTES_MAX, 'compacted');
  } catch (err) {
    throw new BatchFault(info.position, (err as Error).message, false);
  }
}

export interface ScanOptions {
  /** First byte to scan (a batch boundary). */
  from: number;
  /** End of the data to scan (exclusive). */
  to: number;
  /** Lowest base offset the first batch may have; each next batch must start past the previous one. */
  expectOffset?: number;
  /** `crc`: whole batches are read and CRC-checked; `header`: only headers are read. */
  mode: 'crc' | 'header';
  /** Read window; in `crc` mode it must hold the largest batch. */
  window: Buffer;
}

export interface ScannedBatch extends BatchInfo {
  /** The buffer holding the batch (the window): valid only until the next iteration. */
  buf: Buffer;
  /** Where the batch (crc mode) or its header (header mode) starts in `buf`. */
  at: number;
}

/**
 * Yields every batch in [from, to) in order, with one positional read per window. Throws a
 * BatchFault at the first invalid or incomplete batch.
 */
export async function* scanBatches(fh: FileHandle, opts: ScanOptions): AsyncGenerator<ScannedBatch> {
  const { window, to, mode } = opts;
  let expect = opts.expectOffset;
  let pos = opts.from;
  let winStart = pos;
  let winEnd = pos; // file bytes [winStart, winEnd) are in window[0 .. winEnd - winStart)
  while (pos < to) {
    const dataLeft = to - pos;
    if (pos + BATCH_HEADER_BYTES > winEnd) {
      ({ winStart, winEnd } = await fill(fh, window, pos, Math.min(window.length, dataLeft)));
      if (winEnd - pos < BATCH_HEADER_BYTES) {
        throw new BatchFault(pos, `batch header cut off after ${winEnd - pos} bytes`, true);
      }
    }
    const info = checkBatchHeader(window, pos - winStart, pos, dataLeft, expect);
    if (mode === 'crc') {
      if (pos + info.size > winEnd) {
        ({ winStart, winEnd } = await fill(fh, window, pos, Math.min(window.length, dataLeft)));
        if (winEnd - pos < info.size) throw new BatchFault(pos, 'batch is cut off', true);
      }
      checkBatchCrc(window, pos - winStart, info);
    }
    yield { ...info, buf: window, at: pos - winStart };
    expect = info.lastOffset + 1;
    pos += info.size;
  }
}

async function fill(fh: FileHandle, window: Buffer, pos: number, length: number): Promise<{ winStart: number; winEnd: number }> {
  const n = await readAt(fh, window, 0, length, pos);
  return { winStart: pos, winEnd: pos + n };
}
