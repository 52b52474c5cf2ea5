/**
 * How the cleaner reads a sealed segment: its batches in order, each checked (header and
 * CRC32C, compacted layout), read in windows of CLEANER_READ_BYTES through the segment's own
 * handle, every read charged to the I/O throttle. Between reads and between batches the walk
 * gives the event loop back (CleanerPace), so appends and fetches never wait behind a window
 * of cleaning.
 *
 * The segment is held (acquire/release) only while a read runs: retention or a truncation may
 * take it away between two reads, and the walk then throws CleaningAborted instead of reading
 * a closed handle.
 */
import { BATCH_HEADER_BYTES } from '../../../proto/constants.js';
import { CorruptLogError } from '../../../proto/errors.js';
import { BatchFault, checkBatchCrc, checkBatchHeader, type BatchInfo } from '../batch-scan.js';
import type { Segment } from '../segment.js';
import { CLEANER_READ_BYTES } from './constants.js';
import { CleaningAborted, type CleanerPace } from './cleaner-pace.js';

export interface SegmentBatch extends BatchInfo {
  /** The window holding the batch: valid until the next iteration. */
  readonly buf: Buffer;
  /** Where the batch starts in `buf`. */
  readonly at: number;
}

/** Every batch of `seg` from byte 0 with a base offset at or after the segment's. */
export async function* segmentBatches(seg: Segment, pace: CleanerPace): AsyncGenerator<SegmentBatch> {
  const end = seg.writtenBytes;
  let window = Buffer.allocUnsafe(Math.max(1, Math.min(end, CLEANER_READ_BYTES)));
  let winStart = 0;
  let winEnd = 0;
  let pos = 0;
  let expect = seg.baseOffset;
  const fill = async (from: number, need: number): Promise<void> => {
    if (need > window.length) window = Buffer.allocUnsafe(need);
    const length = Math.min(window.length, end - from);
    if (seg.deleted) throw new CleaningAborted(`${seg.logPath} left the log`);
    seg.acquire();
    let n: number;
    try {
      n = await seg.read(window, 0, length, from);
    } finally {
      seg.release();
    }
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
