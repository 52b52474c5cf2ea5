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
import { closeSync, constants, openSync, readSync } from 'node:fs';
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
 * O_NOATIME where the platform has it (Linux): under relatime, the first read of a segment
 * written since its last read updates its atime, which dirties the inode and opens a journal
 * handle (ext4) inside the read. The worker thread runs under SCHED_IDLE (thread-priority.ts)
 * and may wait long for a core; while it holds a handle, the journal cannot commit, and every
 * append's fdatasync waits for that commit. Without the atime update the thread's reads take no
 * journal handle at all.
 */
const READ_FLAGS_NOATIME = constants.O_RDONLY | (constants.O_NOATIME ?? 0);

/**
 * A sealed segment's `.log` read with synchronous reads on the cleaner worker's own thread: the
 * worker has nothing else to do meanwhile, and synchronous reads keep the cleaner off libuv's
 * shared threadpool, where appends' writes and fdatasyncs queue. Opened on first read (without
 * atime updates where allowed: see READ_FLAGS_NOATIME).
 */
export class SegmentFile implements BatchSource {
  private fd = -1;

  constructor(readonly logPath: string, readonly baseOffset: number, readonly size: number) {}

  read(buf: Buffer, offset: number, length: number, position: number): number {
    if (this.fd < 0) this.fd = openNoAtime(this.logPath);
    return readSync(this.fd, buf, offset, length, position);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Opens for reading without atime updates; O_NOATIME needs the file's owner (EPERM otherwise): then plainly. */
function openNoAtime(file: string): number {
  if (READ_FLAGS_NOATIME === constants.O_RDONLY) return openSync(file, 'r');
  try {
    return openSync(file, READ_FLAGS_NOATIME);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    return openSync(file, 'r');
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
