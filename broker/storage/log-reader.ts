/**
 * Read paths over one segment: fetch reads (whole batches from the one containing an offset),
 * timestamp lookups and header scans. Readers never look past `segment.writtenBytes` (bytes
 * whose write completed) nor return a batch reaching the caller's offset bound
 * (`maxOffsetExclusive`: a batch is served only if its last offset is below it), and they check
 * every batch header they walk over; bad bytes surface as CorruptLogError naming the file, byte
 * position and offsets, never as silently served garbage.
 *
 * Callers hold a reference on the segment (acquire/release) and have loaded its indexes.
 *
 * Read buffers: fetch reads land in buffers from a pool (READ_BUFFER_POOL_BYTES_MAX). The
 * records readFromSegment returns are a view of one; whoever is done with them (the broker,
 * once it has copied them into a Fetch response frame) hands them back through the `release()`
 * of the read result (LocalLog.read). Buffers never released are simply collected by the GC,
 * and releasing anything else (a tail-cache buffer, an empty buffer, the same records twice) is
 * a no-op, so a missed release costs only the allocation the pool would have saved. Event-loop
 * use only.
 */
import { CorruptLogError, StrataError } from '../../proto/errors.js';
import {
  decodeRecordBatch, OFFSET_BASE_OFFSET, OFFSET_BATCH_LENGTH, OFFSET_LAST_OFFSET_DELTA, OFFSET_RECORDS_COUNT, readBatchHeader,
  type BatchHeader,
} from '../../proto/record-batch.js';
import { BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import { BatchFault, checkBatchCrc, checkBatchHeader, scanBatches, type BatchInfo } from './batch-scan.js';
import { BufferPool, POOL_BUFFER_BYTES_MIN } from '../../proto/buffer-pool.js';
import {
  HEADER_SCAN_READ_BYTES, HEADER_WALK_BYTES, READ_BUFFER_POOL_BYTES_MAX, READ_BYTES_MAX, READ_SKIP_BYTES_MAX,
} from './constants.js';
import { storageFailure } from './file-io.js';
import type { Segment } from './segment.js';
import type { SegmentList } from './segment-list.js';

export interface ReadOptions {
  verifyCrc: boolean;
  indexIntervalBytes: number;
  /** `topic-partition`, for error messages. */
  name: string;
}

export function corruptError(name: string, seg: Segment, fault: BatchFault, offset: number): CorruptLogError {
  return new CorruptLogError(
    `${name}: corrupt data in ${seg.logPath} at byte ${fault.position} (reading offset ${offset}): ${fault.reason}`,
    { cause: fault },
  );
}

/** A window of file bytes [pos, pos + n) held in `buf`. */
interface Window {
  buf: Buffer;
  pos: number;
  n: number;
}

const readPool = new BufferPool<Buffer>(READ_BUFFER_POOL_BYTES_MAX, Buffer.allocUnsafeSlow);
/**
 * Pooled buffers currently lent out, by their memory: records are views (subarrays) of them.
 * Weak, so a buffer nobody releases is still collected (an ephemeron: the value only keeps
 * its own key alive).
 */
const lent = new WeakMap<ArrayBufferLike, Buffer>();

function readBuffer(length: number): Buffer {
  if (length < POOL_BUFFER_BYTES_MIN) return Buffer.allocUnsafe(length);
  const buf = readPool.acquire(length);
  lent.set(buf.buffer, buf);
  return buf;
}

/**
 * Gives the memory of records returned by readFromSegment back for reuse. The caller must hold
 * no other view of them: the next read overwrites the bytes. Anything that did not come from a
 * pooled read, or was already released, is ignored.
 */
export function releaseReadBuffer(records: Uint8Array): void {
  const buf = lent.get(records.buffer);
  if (buf === undefined) return;
  lent.delete(records.buffer);
  readPool.release(buf);
}

async function readWindow(seg: Segment, pos: number, length: number, previous?: Window): Promise<Window> {
  // A window being replaced is dropped unread by anyone else: reuse its buffer first.
  if (previous !== undefined) releaseReadBuffer(previous.buf);
  const buf = readBuffer(length);
  try {
    const n = await seg.read(buf, 0, length, pos);
    return { buf, pos, n };
  } catch (err) {
    releaseReadBuffer(buf);
    throw err;
  }
}

/**
 * Whole batches from the one containing `offset`, up to `maxBytes` but at least one batch, each
 * ending below `maxOffsetExclusive`. Usually one positional read: from the index entry at or
 * before `offset`, `maxBytes` plus one index interval (the most that lies between an index entry
 * and the wanted batch when batches are small). Returns an empty buffer if `offset` is not
 * below the segment's written end, and null if the batch holding `offset` reaches the bound.
 */
export async function readFromSegment(
  seg: Segment, offset: number, maxBytes: number, maxOffsetExclusive: number, opts: ReadOptions,
): Promise<Buffer | null> {
  const end = seg.writtenBytes;
  const budget = Number.isFinite(maxBytes) ? Math.max(0, Math.min(maxBytes, READ_BYTES_MAX)) : 0;
  // Bytes expected between the index entry and the wanted batch (more are read if needed).
  const skip = Math.min(opts.indexIntervalBytes, READ_SKIP_BYTES_MAX) + HEADER_WALK_BYTES;
  const start = seg.offsetIndex.lookup(offset);
  if (start.position >= end) return Buffer.alloc(0);
  let win: Window | undefined;
  try {
    win = await readWindow(seg, start.position, Math.min(end - start.position, budget + skip));
    let expect = start.offset;
    let pos = start.position;
    let first: BatchInfo;
    // Walk to the batch containing `offset`.
    for (;;) {
      if (pos >= end || expect >= maxOffsetExclusive) {
        releaseReadBuffer(win.buf);
        return pos >= end ? Buffer.alloc(0) : null;
      }
      if (pos + HEADER_WALK_BYTES > win.pos + win.n) {
        win = await readWindow(seg, pos, Math.min(end - pos, budget + skip), win);
        if (win.n < HEADER_WALK_BYTES) throw new BatchFault(pos, 'batch header cut off', true);
      }
      const info = checkBatchHeader(win.buf, pos - win.pos, pos, end - pos, expect);
      if (info.lastOffset >= offset) {
        first = info;
        break;
      }
      expect = info.lastOffset + 1;
      pos += info.size;
    }
    if (first.lastOffset >= maxOffsetExclusive) {
      releaseReadBuffer(win.buf);
      return null;
    }
    // The first batch is returned whole even when it is larger than maxBytes.
    if (pos + first.size > win.pos + win.n) {
      win = await readWindow(seg, pos, Math.max(first.size, Math.min(end - pos, budget)), win);
    }
    const w = win;
    const from = pos - w.pos;
    let to = from;
    let info: BatchInfo | undefined = first;
    // A bad batch after good ones ends the read before it: the good ones are served, and the
    // next read, starting at the bad batch, reports it. Only a bad first batch throws here.
    while (info !== undefined) {
      if (opts.verifyCrc && !passes(() => checkBatchCrc(w.buf, to, info!), to > from)) break;
      to += info.size;
      pos += info.size;
      expect = info.lastOffset + 1;
      info = undefined;
      if (pos >= end || to + HEADER_WALK_BYTES > w.n) break;
      let next: BatchInfo | undefined;
      if (!passes(() => { next = checkBatchHeader(w.buf, to, pos, end - pos, expect); }, true)) break;
      if (to + next!.size > w.n || to + next!.size - from > budget || next!.lastOffset >= maxOffsetExclusive) break;
      info = next;
    }
    return w.buf.subarray(from, to);
  } catch (err) {
    if (win !== undefined) releaseReadBuffer(win.buf);
    if (err instanceof BatchFault) throw corruptError(opts.name, seg, err, offset);
    throw err;
  }
}

/** Runs a batch check; a BatchFault returns false when `tolerate`, and is thrown otherwise. */
function passes(check: () => void, tolerate: boolean): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (tolerate && err instanceof BatchFault) return false;
    throw err;
  }
}

/**
 * First record at or after `timestamp` in this segment, in batches ending below
 * `maxOffsetExclusive` and its written end, using the time index to skip every batch known to
 * be older.
 */
export async function findTimestampInSegment(
  seg: Segment, timestamp: number, maxOffsetExclusive: number, name: string,
): Promise<{ offset: number; timestamp: number } | undefined> {
  const before = seg.timeIndex.lastBefore(timestamp);
  const start = seg.offsetIndex.lookup(before ? before.offset + 1 : seg.baseOffset);
  const window = Buffer.allocUnsafe(HEADER_SCAN_READ_BYTES);
  try {
    for await (const b of scanBatches(seg.log, { from: start.position, to: seg.writtenBytes, expectOffset: start.offset, mode: 'header', window })) {
      if (b.lastOffset >= maxOffsetExclusive) break;
      if (b.maxTimestamp < timestamp) continue;
      const buf = Buffer.allocUnsafe(b.size);
      await seg.read(buf, 0, b.size, b.position);
      let decoded;
      try {
        decoded = decodeRecordBatch(buf, 0, true);
      } catch (err) {
        throw new BatchFault(b.position, (err as Error).message, false);
      }
      for (const r of decoded.records) {
        if (r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
      }
    }
  } catch (err) {
    if (err instanceof BatchFault) throw corruptError(name, seg, err, start.offset);
    throw err;
  }
  return undefined;
}

/**
 * Headers of the batches of this segment from the one containing `fromOffset`, ending below
 * `maxOffsetExclusive` and its written end.
 */
export async function* segmentHeaders(seg: Segment, fromOffset: number, maxOffsetExclusive: number, name: string): AsyncGenerator<BatchHeader> {
  const start = seg.offsetIndex.lookup(fromOffset);
  const window = Buffer.allocUnsafe(HEADER_SCAN_READ_BYTES);
  try {
    for await (const b of scanBatches(seg.log, { from: start.position, to: seg.writtenBytes, expectOffset: start.offset, mode: 'header', window })) {
      if (b.lastOffset >= maxOffsetExclusive) return;
      if (b.lastOffset < fromOffset) continue;
      yield readBatchHeader(b.buf, b.at);
    }
  } catch (err) {
    if (err instanceof BatchFault) throw corruptError(name, seg, err, fromOffset);
    throw err;
  }
}

/** Typed errors pass through; an OS error (e.g. a handle closed under a read) becomes StorageError. */
export function readFailure(err: unknown, name: string): StrataError {
  return err instanceof StrataError ? err : storageFailure(err, `${name}: read failed`);
}

/** First offset of the log whose record timestamp is >= `timestampMs`, in batches ending below `bound`. */
export async function findTimestampInLog(
  segments: SegmentList, timestampMs: number, bound: number, name: string,
): Promise<{ offset: number; timestamp: number } | null> {
  // Walks the live list by offset, not a copy of it, and reads a segment the list still holds
  // even when it is marked as leaving: a cleaner swap retires the old segments a few awaits
  // before it puts the cleaned one in their place, and meanwhile the old files are what read()
  // serves too. Skipping them made a lookup jump past the range being swapped, to an offset
  // after records that were never removed.
  let from = segments.first.baseOffset;
  for (;;) {
    const seg = segments.segmentFor(from);
    if (seg.baseOffset >= bound) return null;
    if (seg.writtenBytes > 0) {
      seg.acquire();
      try {
        await seg.loadIndexes();
        if (seg.maxTimestamp >= timestampMs) {
          const found = await findTimestampInSegment(seg, timestampMs, bound, name);
          if (found) return found;
        }
      } catch (err) {
        throw readFailure(err, name);
      } finally {
        seg.release();
      }
    }
    // The live list again: whatever replaced `seg` meanwhile, what follows its base comes next.
    const next = segments.after(seg.baseOffset);
    if (next === undefined || next.baseOffset >= bound) return null;
    from = next.baseOffset;
  }
}

/** Headers of the log's batches from the one containing `fromOffset`, ending below `bound`. */
export async function* logHeaders(segments: SegmentList, fromOffset: number, bound: number, name: string): AsyncGenerator<BatchHeader> {
  let from = Math.max(fromOffset, segments.first.baseOffset);
  while (from < bound) {
    const seg = segments.segmentFor(from);
    seg.acquire();
    try {
      await seg.loadIndexes();
      for await (const h of segmentHeaders(seg, from, bound, name)) {
        yield h;
        from = h.baseOffset + h.lastOffsetDelta + 1;
      }
    } catch (err) {
      throw readFailure(err, name);
    } finally {
      seg.release();
    }
    // Move to the next segment (or stop if this one was the last one below the bound).
    const next = segments.after(seg.baseOffset);
    if (next === undefined || next.baseOffset >= bound) break;
    from = Math.max(from, next.baseOffset);
  }
}

/**
 * When every batch of `records` (whole batches a read returned) is header-only - no record
 * left, as the cleaner writes at a cleaned segment's end or for a producer's last batch - the
 * offset after them; otherwise -1. A read that would serve only such batches reads on from there
 * instead: some consumers (kafkajs among them) take their next fetch offset from the last
 * *record* they were given and never move past a response holding no record, so a compacted
 * log would stall them at its first header-only batch. Looks at the first batch only when it
 * holds records, which is every read of a log the cleaner never touched.
 */
export function headerOnlyEnd(records: Buffer): number {
  let pos = 0;
  let next = -1;
  while (pos + OFFSET_RECORDS_COUNT + 4 <= records.length) {
    if (records.readInt32BE(pos + OFFSET_RECORDS_COUNT) !== 0) return -1;
    next = Number(records.readBigInt64BE(pos + OFFSET_BASE_OFFSET)) + records.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) + 1;
    const batchLength = records.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (batchLength <= 0) return -1; // never in bytes a read checked; serve them as they are rather than loop
    pos += BATCH_LENGTH_PREFIX_BYTES + batchLength;
  }
  return next;
}
