/**
 * Cleaning one group of consecutive sealed segments into one new segment (Kafka's
 * Cleaner.cleanSegments): every batch is read, its records filtered with the pass's offset map,
 * and what is kept is written, in offset order, to the `.cleaned` files of a segment based at
 * the group's first base offset. The swap (segment-swap.ts) puts it in place afterwards.
 *
 * What a record keeps (offset o, in a log cleaned up to `mapEnd`):
 *   - o >= mapEnd: kept (its key was not looked at in this pass);
 *   - no key: dropped (a compacted log holds keyed records only; Kafka does the same);
 *   - the map holds a later offset for its key: dropped (superseded);
 *   - a tombstone (null value) whose timestamp is more than deleteRetentionMs old: dropped;
 *     every older record of its key is dropped in the same pass, oldest group first, so a
 *     crash between groups can leave a tombstone without its older values, never the reverse;
 *   - otherwise kept (the latest record of its key).
 * Control batches are copied as they are.
 *
 * What a batch keeps: its offsets, timestamps and producer fields (batch-rewrite.ts). A batch
 * left with no record is dropped, except (as a header-only batch) when it is the group's last
 * batch, so the cleaned segment still ends where the next segment begins; or when it is its
 * producer's last batch in the cleaned range and younger than deleteRetentionMs, so that a
 * producer retrying after a broker restart is still recognised by the state rebuilt from the log.
 *
 * The cleaned file is fdatasynced every CLEANER_SYNC_BYTES while it grows and closed (indexes
 * sealed, log synced) at the end; all I/O goes through the pass's CleanerPace.
 */
import { BatchRecords } from '../../../proto/batch-records.js';
import { emptyBatch, rewriteBatch } from '../../../proto/batch-rewrite.js';
import {
  isControlBatch, OFFSET_ATTRIBUTES, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAX_TIMESTAMP, OFFSET_PRODUCER_ID,
} from '../../../proto/record-batch.js';
import { readInt64BE } from '../../../proto/int64.js';
import type { Segment } from '../segment.js';
import { CLEANER_SYNC_BYTES, CLEANER_WRITE_BYTES } from './constants.js';
import type { CleanerPace } from './cleaner-pace.js';
import type { OffsetMap } from './offset-map.js';
import { segmentBatches, type BatchSource, type SegmentBatch } from './segment-batches.js';
import type { SwapFaults } from './segment-swap.js';

export interface CleaningRules {
  readonly map: OffsetMap;
  /** Records at and after this offset were not looked at by the map: kept as they are. */
  readonly mapEnd: number;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  /** Producer id → base offset of its last batch in the mapped range. */
  readonly producerLast: ReadonlyMap<number, number>;
  readonly indexIntervalBytes: number;
}

export interface GroupStats {
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsKept: number;
  batchesRead: number;
  batchesKept: number;
}

export interface CleanedGroup extends GroupStats {
  /** Offset after the last batch written (the next segment's base). */
  readonly nextOffset: number;
}

/**
 * Cleans `group` into `target` (a new segment created with the `.cleaned` suffix, based at the
 * group's first base offset) and closes `target`. The caller removes the files on failure.
 */
export async function cleanGroup(
  group: readonly BatchSource[], target: Segment, rules: CleaningRules, pace: CleanerPace, faults?: SwapFaults,
): Promise<CleanedGroup> {
  const writer = new CleanedWriter(target, pace, rules.indexIntervalBytes, faults);
  const walk = new BatchRecords();
  let keep = new Uint8Array(64);
  const stats: GroupStats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, batchesRead: 0, batchesKept: 0 };
  /** The last batch read, emptied, when it was dropped: written if it turns out to end the group. */
  let droppedLast: Buffer | null = null;
  for (const seg of group) {
    for await (const b of segmentBatches(seg, pace)) {
      stats.bytesRead += b.size;
      stats.batchesRead++;
      const attributes = b.buf.readInt16BE(b.at + OFFSET_ATTRIBUTES);
      let out: Buffer | null;
      if (isControlBatch(attributes) || b.baseOffset >= rules.mapEnd) {
        out = b.buf.subarray(b.at, b.at + b.size);
      } else {
        walk.load(b.buf, b.at, b.size);
        if (keep.length < walk.count) keep = new Uint8Array(walk.count * 2);
        const kept = decide(walk, keep, rules);
        stats.recordsRead += walk.count;
        stats.recordsKept += kept;
        out = kept > 0 ? rewriteBatch(b.buf, b.at, b.size, walk, keep) : keptEmpty(b, rules);
        if (out === null) {
          droppedLast = emptyBatch(b.buf, b.at);
          continue;
        }
      }
      droppedLast = null;
      stats.batchesKept++;
      stats.bytesWritten += out.length;
      await writer.add(out, b);
    }
  }
  if (droppedLast !== null) {
    stats.batchesKept++;
    stats.bytesWritten += droppedLast.length;
    await writer.add(droppedLast, null);
  }
  const nextOffset = await writer.finish();
  return { ...stats, nextOffset };
}

/** Fills `keep` for the records of `walk`; returns how many are kept. */
function decide(walk: BatchRecords, keep: Uint8Array, rules: CleaningRules): number {
  const { map, mapEnd, nowMs, deleteRetentionMs } = rules;
  const section = walk.section;
  let kept = 0;
  for (let i = 0; i < walk.count; i++) {
    const offset = walk.offsetOf(i);
    let k = 1;
    if (offset < mapEnd) {
      const keyLength = walk.keyLength[i]!;
      if (keyLength < 0) k = 0;
      else if (map.get(section, walk.keyStart[i]!, keyLength) > offset) k = 0;
      else if (walk.valueNull[i] === 1 && walk.timestamp[i]! + deleteRetentionMs <= nowMs) k = 0;
    }
    keep[i] = k;
    kept += k;
  }
  return kept;
}

/** A batch with no record left, kept as a header when it is its producer's recent last batch. */
function keptEmpty(b: SegmentBatch, rules: CleaningRules): Buffer | null {
  const producerId = readInt64BE(b.buf, b.at + OFFSET_PRODUCER_ID);
  if (producerId < 0) return null;
  const last = rules.producerLast.get(producerId);
  if (last !== undefined && last > b.baseOffset) return null;
  if (b.maxTimestamp + rules.deleteRetentionMs <= rules.nowMs) return null;
  return emptyBatch(b.buf, b.at);
}

/** Places batches in the cleaned segment and writes them in chunks of CLEANER_WRITE_BYTES. */
class CleanedWriter {
  private readonly stage = Buffer.allocUnsafe(CLEANER_WRITE_BYTES);
  private staged = 0;
  /** File position of the first staged byte. */
  private stagePos = 0;
  private sinceSync = 0;
  private next = -1;

  constructor(
    private readonly seg: Segment,
    private readonly pace: CleanerPace,
    private readonly indexIntervalBytes: number,
    private readonly faults: SwapFaults | undefined,
  ) {}

  /** `out` may be a view of the read window: it is copied or written before this resolves. */
  async add(out: Buffer, from: SegmentBatch | null): Promise<void> {
    const baseOffset = readInt64BE(out, 0);
    const lastOffset = baseOffset + out.readInt32BE(OFFSET_LAST_OFFSET_DELTA);
    const maxTimestamp = from?.maxTimestamp ?? readInt64BE(out, OFFSET_MAX_TIMESTAMP);
    const position = this.seg.placeBatch(baseOffset, lastOffset, maxTimestamp, out.length, this.indexIntervalBytes);
    this.next = lastOffset + 1;
    if (this.staged + out.length > this.stage.length) await this.flush();
    if (this.staged === 0) this.stagePos = position;
    if (out.length > this.stage.length) {
      await this.write([out], position, out.length);
      return;
    }
    out.copy(this.stage, this.staged);
    this.staged += out.length;
  }

  /** Writes what is staged, closes the segment (indexes sealed, fdatasync); returns its end offset. */
  async finish(): Promise<number> {
    await this.flush();
    await this.seg.close();
    return this.next;
  }

  private async flush(): Promise<void> {
    if (this.staged === 0) return;
    const n = this.staged;
    this.staged = 0;
    await this.write([this.stage.subarray(0, n)], this.stagePos, n);
  }

  private async write(buffers: Buffer[], position: number, bytes: number): Promise<void> {
    await this.seg.write(buffers, position);
    await this.faults?.step?.('chunk-written', this.seg.dir);
    this.sinceSync += bytes;
    if (this.sinceSync >= CLEANER_SYNC_BYTES) {
      await this.seg.sync();
      this.sinceSync = 0;
    }
    await this.pace.io(bytes);
  }
}
