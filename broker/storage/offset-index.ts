/**
 * The `.index` file of a segment: a sparse map from offset to byte position in the `.log`.
 *
 * Layout: 8-byte big-endian entries, `u32 offset - baseOffset, u32 position`, strictly
 * increasing in both fields. An entry (o, p) says "the batch starting at byte p has base offset
 * o". One entry is added per `indexIntervalBytes` of log (at the first batch boundary past the
 * interval), so a lookup lands at most one interval plus one batch before the wanted batch.
 *
 * See SparseIndex for the file lifecycle and concurrency contract.
 */
import assert from 'node:assert/strict';
import { OFFSET_INDEX_ENTRY_BYTES, RELATIVE_OFFSET_MAX, SEGMENT_POSITION_MAX } from './constants.js';
import { SparseIndex } from './sparse-index.js';

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex extends SparseIndex {
  constructor(path: string, baseOffset: number, maxIndexBytes: number) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY_BYTES, maxIndexBytes);
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** A copy with capacity for `maxIndexBytes` (at least the entries it holds plus one). */
  withCapacity(maxIndexBytes: number): OffsetIndex {
    const copy = new OffsetIndex(this.path, this.baseOffset, Math.max(maxIndexBytes, (this.count + 1) * OFFSET_INDEX_ENTRY_BYTES));
    copy.adopt(this);
    return copy;
  }

  relativeOffsetAt(i: number): number {
    return this.mem.readUInt32BE(i * OFFSET_INDEX_ENTRY_BYTES);
  }

  positionAt(i: number): number {
    return this.mem.readUInt32BE(i * OFFSET_INDEX_ENTRY_BYTES + 4);
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    assert.ok(rel >= 0 && rel <= RELATIVE_OFFSET_MAX && position <= SEGMENT_POSITION_MAX);
    if (this.count > 0) {
      assert.ok(rel > this.relativeOffsetAt(this.count - 1) && position > this.positionAt(this.count - 1),
        'offset index entries must increase');
    }
    const at = this.nextSlot();
    this.mem.writeUInt32BE(rel, at);
    this.mem.writeUInt32BE(position, at + 4);
  }

  /** The last entry at or before `offset`, or the segment start when there is none. */
  lookup(offset: number): OffsetPosition {
    const i = this.floorEntry(offset - this.baseOffset);
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.relativeOffsetAt(i), position: this.positionAt(i) };
  }

  lastEntry(): OffsetPosition | undefined {
    if (this.count === 0) return undefined;
    return { offset: this.baseOffset + this.relativeOffsetAt(this.count - 1), position: this.positionAt(this.count - 1) };
  }

  /** Removes the entries for offsets at or after `offset`. */
  truncateTo(offset: number): void {
    this.truncateEntries(this.floorEntry(offset - this.baseOffset - 1) + 1);
  }

  /**
   * Cheap consistency check against the log it indexes: entries strictly increasing, the last
   * one inside the log (`logBytes`) and below `nextOffset`. Returns the reason when broken.
   */
  sanityCheck(logBytes: number, nextOffset: number): string | undefined {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.count; i++) {
      const rel = this.relativeOffsetAt(i);
      const pos = this.positionAt(i);
      if (rel <= prevRel || pos <= prevPos) return `entry ${i} (${rel}, ${pos}) does not increase`;
      prevRel = rel;
      prevPos = pos;
    }
    if (this.count > 0 && prevPos >= logBytes) return `last entry points at byte ${prevPos}, log has ${logBytes}`;
    if (this.count > 0 && this.baseOffset + prevRel >= nextOffset) return `last entry offset is past the log end ${nextOffset}`;
    return undefined;
  }

  /** Index of the last entry with relative offset <= rel, or -1. */
  private floorEntry(rel: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relativeOffsetAt(mid) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
