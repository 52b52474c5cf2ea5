/**
 * Bringing a partition directory back to a consistent state when a log is opened.
 *
 * Unclean open (the last run did not shut down cleanly): every segment from the one containing
 * the recovery point (all of them without one) is scanned batch by batch with full checks
 * (length, magic, CRC32C, offsets contiguous with the previous batch). At the first torn or
 * corrupt batch the segment is truncated there, every later segment is deleted, and the indexes
 * of every scanned segment are rebuilt from the log. What was dropped is logged (file, byte
 * position, bytes dropped, reason). Recovered data is fsynced before the log serves it.
 *
 * Clean open: nothing is scanned but the tail of the active segment after its last index entry
 * (to find the log end); index files are checked cheaply (whole entries, increasing, inside the
 * log) and rebuilt only if broken. Sealed segments' indexes are checked when first loaded.
 */
import assert from 'node:assert/strict';
import { BatchFault, scanBatches } from './batch-scan.js';
import { RECOVERY_READ_BYTES } from './constants.js';
import { fsyncDir } from './file-io.js';
import { OffsetIndex } from './offset-index.js';
import type { Segment, SegmentContext } from './segment.js';
import { TimeIndex } from './time-index.js';
import { offsetIndexPath, timeIndexPath } from './log-files.js';

/**
 * Scans segments[from..] and truncates at the first bad batch. Returns the segments that remain
 * (deleted ones are removed and their files unlinked). The last one is left active.
 */
export async function recoverSegments(segments: Segment[], from: number, ctx: SegmentContext): Promise<Segment[]> {
  assert.ok(from >= 0 && from < segments.length);
  let largest = 0;
  for (let i = from; i < segments.length; i++) largest = Math.max(largest, segments[i]!.size);
  const window = Buffer.allocUnsafe(Math.max(1, Math.min(largest, RECOVERY_READ_BYTES)));
  let expect = segments[from]!.baseOffset;
  let keep = segments.length;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.baseOffset !== expect) {
      ctx.logger.warn({ file: seg.logPath, expectedBaseOffset: expect }, 'segment does not continue the log; dropping it and later segments');
      keep = i;
      break;
    }
    const isLast = i === segments.length - 1;
    const fileBytes = seg.size;
    const fault = await seg.rebuildIndexes(isLast ? ctx.config.segmentIndexBytes : 0, window, !isLast);
    expect = seg.nextOffset;
    if (fault) {
      ctx.logger.warn({
        file: seg.logPath, position: fault.position, bytesDropped: fileBytes - seg.size, reason: fault.reason, torn: fault.torn,
      }, 'truncating log at the first invalid batch');
      await seg.dropInvalidTail();
      keep = i + 1;
      break;
    }
    ctx.logger.debug({ file: seg.logPath, bytes: seg.size, nextOffset: seg.nextOffset }, 'segment recovered');
  }
  const dropped = segments.slice(keep);
  for (const seg of dropped) {
    ctx.logger.warn({ file: seg.logPath, bytesDropped: seg.size }, 'deleting segment after the truncation point');
    await seg.delete();
  }
  const kept = segments.slice(0, keep);
  const active = kept[kept.length - 1]!;
  // The recovered bytes came from the page cache; make them and the rebuilt indexes durable
  // before anyone reads them as committed.
  for (let i = from; i < kept.length; i++) {
    const seg = kept[i]!;
    await seg.sync();
    if (seg !== active) await seg.sealRecovered();
  }
  // A segment scanned as sealed may have become the last one; a final time-index entry in it
  // is still a valid entry, so only the capacity changes.
  await active.activate(true);
  if (dropped.length > 0) await fsyncDir(active.dir);
  return kept;
}

/**
 * Clean open of the active (last) segment: loads and checks its indexes and scans only the
 * tail after the last index entry, with full checks, to find the log end. Returns a reason
 * instead when something is off, and the caller recovers the segment.
 */
export async function openActiveSegment(seg: Segment, ctx: SegmentContext): Promise<string | undefined> {
  const offsetIdx = new OffsetIndex(offsetIndexPath(seg.dir, seg.baseOffset), seg.baseOffset, Number.MAX_SAFE_INTEGER);
  const timeIdx = new TimeIndex(timeIndexPath(seg.dir, seg.baseOffset), seg.baseOffset, Number.MAX_SAFE_INTEGER);
  const offsetLoad = await offsetIdx.load();
  const timeLoad = await timeIdx.load();
  // An empty segment closed cleanly has no index files: there was nothing to index.
  const emptyWithout = seg.size === 0 && offsetLoad === 'missing' && timeLoad === 'missing';
  const reason = emptyWithout ? undefined : offsetLoad ?? timeLoad
    ?? offsetIdx.sanityCheck(seg.size, Number.MAX_SAFE_INTEGER) ?? timeIdx.sanityCheck(Number.MAX_SAFE_INTEGER);
  if (reason !== undefined) return `index: ${reason}`;
  const from = offsetIdx.lastEntry() ?? { offset: seg.baseOffset, position: 0 };
  const lastTime = timeIdx.lastEntry();
  let maxTimestamp = lastTime?.timestamp ?? -Infinity;
  let offsetOfMax = lastTime?.offset ?? seg.baseOffset;
  let nextOffset = from.offset;
  const window = Buffer.allocUnsafe(Math.max(1, Math.min(seg.size - from.position, RECOVERY_READ_BYTES)));
  try {
    for await (const b of scanBatches(seg.log, { from: from.position, to: seg.size, expectOffset: from.offset, mode: 'crc', window })) {
      if (b.maxTimestamp > maxTimestamp) {
        maxTimestamp = b.maxTimestamp;
        offsetOfMax = b.lastOffset;
      }
      nextOffset = b.lastOffset + 1;
    }
  } catch (err) {
    if (err instanceof BatchFault) return `log tail: ${err.message}`;
    throw err;
  }
  if (lastTime && lastTime.offset >= nextOffset) return 'time index points past the log end';
  await seg.restoreTail({
    offsetIndex: offsetIdx, timeIndex: timeIdx, nextOffset, maxTimestamp, offsetOfMaxTimestamp: offsetOfMax,
    bytesSinceIndexEntry: seg.size - from.position,
  });
  return undefined;
}
