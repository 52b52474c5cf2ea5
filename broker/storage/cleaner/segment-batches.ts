/**
 * How the cleaner reads a sealed segment: its batches in order, each checked (header and
 * CRC32C, compacted layout), read in windows of CLEANER_READ_BYTES, every read charged to the
 * I/O throttle through the pass's CleanerPace.
 *
 * The cleaner worker (cleaner-worker.ts) reads a segment by its path with its own descriptor
 * (SegmentFile), not through the broker's Segment object, which lives on the main thread.
 * Retention or a truncation may take the segment away meanwhile: the read then fails or comes
 * up short (a corrupt-looking batch), and the main thread, which knows the segment left the
 * log, treats the pass as aborted rather than failed.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BATCH_HEADER_BYTES } from '../../../proto/constants.js';
import { CorruptLogError } from '../../../proto/errors.js';
import { BatchFault, checkBatchCrc, checkBatchHeader, type BatchInfo } from '../batch-scan.js';
import { CLEANER_READ_BYTES } from './constants.js';
import type { CleanerPace } from './cleaner-pace.js';

export interface SegmentBatch extends BatchInfo {
  /** The window holding the batch: valid until the next iteration. */
  readonly buf: Buffer;
  /** Where the batch starts in `buf`. */
  readonly at: number;
}

/** What the cleaner needs of a sealed segment it reads. */
export interface BatchSource {
  readonly logPath: string;
  readonly baseOffset: number;
  /** Bytes to read: the sealed segment's size when the pass was planned. */
  readonly size: number;
  read(buf: Buffer, offset: number, length: number, position: number): number;
}

/**
 * A sealed segment's `.log` read with synchronous reads on the cleaner worker's own thread: the
 * worker has nothing else to do meanwhile, and synchronous reads keep the cleaner off libuv's
 * shared threadpool, where appends' writes and fdatasyncs queue. Opened on first read.
 */
export class SegmentFile implements BatchSource {
  private fd = -1;

  constructor(readonly logPath: string, readonly baseOffset: number, readonly size: number) {}

  read(buf: Buffer, offset: number, length: number, position: number): number {
    if (this.fd < 0) this.fd = openSync(this.logPath, 'r');
    return readSync(this.fd, buf, offset, length, position);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Every batch of `seg` from byte 0 with a base offset at or after the segment's. */
export async function* segmentBatches(seg: BatchSource, pace: CleanerPace): AsyncGenerator<SegmentBatch> {
  const end = seg.size;
  let window = Buffer.allocUnsafe(Math.max(1, Math.min(end, CLEANER_READ_BYTES)));
  let winStart = 0;
  let winEnd = 0;
  let pos = 0;
  let expect = seg.baseOffset;
  const fill = async (from: number, need: number): Promise<void> => {
    if (need > window.length) window = Buffer.allocUnsafe(need);
    const length = Math.min(window.length, end - from);
    const n = seg.read(window, 0, length, from);
    await pace.io(n);
    winStart = from;
    winEnd = from + n;
  };
  try {
    while (pos < end) {
      if (pos + BATCH_HEADER_BYTES > winEnd) await fill(pos, BATCH_HEADER_BYTES);
      if (winEnd - pos < BATCH_HEADER_BYTES) throw new BatchFault(pos, 'batch header cut off', true);
      const info = checkBatchHeader(window, pos - winStart, pos, end - pos, expect);
      if (pos + info.size > winEnd) {
        await fill(pos, info.size);
        if (winEnd - pos < info.size) throw new BatchFault(pos, 'batch is cut off', true);
      }
      checkBatchCrc(window, pos - winStart, info);
      yield { ...info, buf: window, at: pos - winStart };
      await pace.slice();
      expect = info.lastOffset + 1;
      pos += info.size;
    }
  } catch (err) {
    if (err instanceof BatchFault) {
      throw new CorruptLogError(`${seg.logPath}: corrupt batch at byte ${err.position}: ${err.reason}`, { cause: err });
    }
    throw err;
  }
}
