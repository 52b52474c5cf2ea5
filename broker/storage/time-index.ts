/**
 * The `.timeindex` file of a segment: a sparse map from timestamp to offset.
 *
 * Layout: 12-byte big-endian entries, `i64 timestamp, u32 offset - baseOffset`. An entry (t, o)
 * says "the largest timestamp among all records up to and including offset o is t, reached in
 * the batch ending at o". Entries are added at the same moments as offset-index entries, but
 * only when the largest timestamp grew, so both fields strictly increase. When the segment is
 * sealed or closed one final entry records the segment's largest timestamp; one slot is reserved
 * for it, so the last entry of a sealed segment is always its largest timestamp (what time-based
 * retention looks at).
 *
 * See SparseIndex for the file lifecycle and concurrency contract.
 */
import assert from 'node:assert/strict';
import { readInt64BE, writeInt64BE } from '../../proto/int64.js';
import { RELATIVE_OFFSET_MAX, TIME_INDEX_ENTRY_BYTES } from './constants.js';
import { SparseIndex } from './sparse-index.js';

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex extends SparseIndex {
  constructor(path: string, baseOffset: number, maxIndexBytes: number) {
    super(path, baseOffset, TIME_INDEX_ENTRY_BYTES, maxIndexBytes);
  }

  /** Full for ordinary entries: the last slot is kept for the final entry written on seal. */
  get isFull(): boolean {
    return this.count >= this.maxEntries - 1;
  }

  /** A copy with capacity for `maxIndexBytes` (at least the entries it holds plus two). */
  withCapacity(maxIndexBytes: number): TimeIndex {
    const copy = new TimeIndex(this.path, this.baseOffset, Math.max(maxIndexBytes, (this.count + 2) * TIME_INDEX_ENTRY_BYTES));
    copy.adopt(this);
    return copy;
  }

  timestampAt(i: number): number {
    return readInt64BE(this.mem, i * TIME_INDEX_ENTRY_BYTES);
  }

  relativeOffsetAt(i: number): number {
    return this.mem.readUInt32BE(i * TIME_INDEX_ENTRY_BYTES + 8);
  }

  /**
   * Adds (timestamp, offset) if timestamp is larger than the last entry's and there is room;
   * `final` may use the reserved slot.
   */
  maybeAppend(timestamp: number, offset: number, final = false): boolean {
    if (this.count >= this.maxEntries || (!final && this.isFull)) return false;
    const last = this.lastEntry();
    if (last !== undefined && timestamp <= last.timestamp) return false;
    const rel = offset - this.baseOffset;
    assert.ok(rel >= 0 && rel <= RELATIVE_OFFSET_MAX);
    assert.ok(last === undefined || offset >= last.offset, 'time index offsets must not decrease');
    const at = this.nextSlot();
    writeInt64BE(this.mem, timestamp, at);
    this.mem.writeUInt32BE(rel, at + 8);
    return true;
  }

  lastEntry(): TimestampOffset | undefined {
    if (this.count === 0) return undefined;
    return { timestamp: this.timestampAt(this.count - 1), offset: this.baseOffset + this.relativeOffsetAt(this.count - 1) };
  }

  /**
   * The last entry whose timestamp is below `timestamp`: every record up to its offset is older
   * than `timestamp`, so a search for the first record at or after `timestamp` can start after it.
   */
  lastBefore(timestamp: number): TimestampOffset | undefined {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    return { timestamp: this.timestampAt(found), offset: this.baseOffset + this.relativeOffsetAt(found) };
  }

  /** Removes the entries whose offset is at or after `offset`. */
  truncateTo(offset: number): void {
    let n = this.count;
    while (n > 0 && this.baseOffset + this.relativeOffsetAt(n - 1) >= offset) n--;
    this.truncateEntries(n);
  }

  /** Entries strictly increasing in timestamp and offset, the last below `nextOffset`. */
  sanityCheck(nextOffset: number): string | undefined {
    let prevTs = -Infinity;
    let prevRel = -1;
    for (let i = 0; i < this.count; i++) {
      let ts: number;
      try {
        ts = this.timestampAt(i);
      } catch {
        return `entry ${i} has an unreadable timestamp`;
      }
      const rel = this.relativeOffsetAt(i);
      if (ts <= prevTs || rel < prevRel) return `entry ${i} (${ts}, ${rel}) does not increase`;
      prevTs = ts;
      prevRel = rel;
    }
    if (this.count > 0 && this.baseOffset + prevRel >= nextOffset) return `last entry offset is past the log end ${nextOffset}`;
    return undefined;
  }
}
