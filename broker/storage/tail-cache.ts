/**
 * The tail cache of a partition log (Redpanda's batch cache, reduced to the tail): the most
 * recently written appends, kept in memory so a consumer reading at the end of the log is
 * answered without a threadpool read of bytes that were written a moment ago.
 *
 * Contents: whole appends in offset order, each the caller's buffer exactly as it was written to
 * the `.log` (offsets and leader epoch stamped; append() forbids modifying it afterwards), with
 * its batches' offsets and sizes and the base offset of the segment it went to. Entries are
 * contiguous: each starts where the previous one ends. Only appends whose write succeeded are
 * added (LocalLog.chunkWritten), so a failed write never reaches the cache.
 *
 * Reads mirror log-reader.ts's readFromSegment byte for byte: whole batches from the one holding
 * the offset, at most maxBytes (capped at READ_BYTES_MAX) but at least one batch, never a batch
 * reaching the caller's offset bound, never across a segment boundary (a file read covers one
 * segment). A read the cache cannot answer in full (offset below the oldest entry) returns
 * undefined and the caller reads the file.
 *
 * Memory: an entry costs the bytes its buffer keeps alive, which is the whole backing
 * ArrayBuffer (a produce request's records are a view into its WebSocket frame). Each cache keeps
 * at most `partitionBytesMax`, and all caches sharing one TailCacheBudget keep at most its
 * `bytesMax` together; past either, the oldest entries go first.
 *
 * Concurrency: single-threaded and synchronous. The owning log adds after a write, drops on
 * truncation, rewind, retention and close; reads never await, so nothing changes under them.
 */
import assert from 'node:assert/strict';
import { validateBatch } from '../../proto/record-batch.js';
import { READ_BYTES_MAX } from './constants.js';
import type { BatchMeta } from './log-writer.js';
import type { TailCacheBudget } from './tail-cache-budget.js';

/** One cached append. `live` turns false when it leaves its cache (the budget drops it lazily). */
export interface TailCacheEntry {
  readonly cache: TailCache;
  readonly buf: Buffer;
  readonly batches: readonly BatchMeta[];
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** Base offset of the segment the append was written to. */
  readonly segmentBase: number;
  /** Bytes of memory the entry keeps alive. */
  readonly cost: number;
  live: boolean;
}

/** Reported when a cached batch fails its CRC check: the memory was changed after the append. */
export type TailCacheCorruption = (offset: number, reason: string) => void;

export class TailCache {
  /** Live entries, oldest first; `head` skips evicted ones without shifting the array. */
  private entries: TailCacheEntry[] = [];
  private head = 0;
  private bytesHeld = 0;

  constructor(
    private readonly budget: TailCacheBudget,
    private readonly partitionBytesMax: number,
    private readonly onCorrupt: TailCacheCorruption,
  ) {}

  /** Bytes of memory this cache keeps alive. */
  get bytes(): number {
    return this.bytesHeld;
  }

  /** Number of cached appends. */
  get size(): number {
    return this.entries.length - this.head;
  }

  /** First cached offset, or undefined when empty. */
  get firstOffset(): number | undefined {
    return this.head < this.entries.length ? this.entries[this.head]!.baseOffset : undefined;
  }

  /**
   * Adds a written append. An append that does not continue the cached range (there should be
   * none: rewinds and truncations drop the entries past the new end first) replaces it.
   */
  add(buf: Buffer, batches: readonly BatchMeta[], segmentBase: number): void {
    const cost = Math.max(buf.length, buf.buffer.byteLength);
    if (cost > this.partitionBytesMax || cost > this.budget.bytesMax || batches.length === 0) {
      this.clear();
      return;
    }
    const baseOffset = batches[0]!.baseOffset;
    const last = this.entries[this.entries.length - 1];
    if (this.size > 0 && last!.lastOffset + 1 !== baseOffset) this.clear();
    const entry: TailCacheEntry = {
      cache: this, buf, batches, baseOffset, lastOffset: batches[batches.length - 1]!.lastOffset, segmentBase, cost, live: true,
    };
    while (this.size > 0 && this.bytesHeld + cost > this.partitionBytesMax) this.evictOldest();
    this.entries.push(entry);
    this.bytesHeld += cost;
    this.budget.admit(entry);
  }

  /**
   * Whole batches from the one holding `offset`, as readFromSegment would return them from the
   * file, or undefined when the cache does not hold `offset`. Only batches whose last offset is
   * below `maxOffsetExclusive` are returned.
   */
  read(offset: number, maxBytes: number, maxOffsetExclusive: number, verifyCrc: boolean): Buffer | undefined {
    if (this.size === 0 || offset >= maxOffsetExclusive) return undefined;
    let i = this.find(offset);
    if (i < 0) return undefined;
    const budget = Number.isFinite(maxBytes) ? Math.max(0, Math.min(maxBytes, READ_BYTES_MAX)) : 0;
    const segmentBase = this.entries[i]!.segmentBase;
    const pieces: Buffer[] = [];
    let total = 0;
    let b = 0;
    // Skip the batches of the first entry that end before `offset`.
    let pos = 0;
    const firstEntry = this.entries[i]!;
    while (firstEntry.batches[b]!.lastOffset < offset) pos += firstEntry.batches[b++]!.size;
    for (; i < this.entries.length; i++, b = 0, pos = 0) {
      const e = this.entries[i]!;
      if (e.segmentBase !== segmentBase) break;
      const start = pos;
      let stop = false;
      for (; b < e.batches.length; b++) {
        const batch = e.batches[b]!;
        if (batch.lastOffset >= maxOffsetExclusive || (total > 0 && total + batch.size > budget)) {
          stop = true;
          break;
        }
        if (verifyCrc && !this.crcHolds(e, pos, batch)) {
          if (total === 0) return undefined;
          stop = true;
          break;
        }
        total += batch.size;
        pos += batch.size;
      }
      if (pos > start) pieces.push(e.buf.subarray(start, pos));
      if (stop) break;
    }
    if (pieces.length === 0) return undefined;
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
  }

  /** Drops every append holding an offset at or past `offset` (truncation, rewind). */
  dropFrom(offset: number): void {
    while (this.size > 0 && this.entries[this.entries.length - 1]!.lastOffset >= offset) {
      const e = this.entries.pop()!;
      this.forget(e);
    }
    if (this.size === 0) this.reset();
  }

  /** Drops every append that lies wholly below `offset` (retention moved the log start). */
  dropBefore(offset: number): void {
    while (this.size > 0 && this.entries[this.head]!.lastOffset < offset) this.evictOldest();
  }

  /** Drops everything (close, abandon, a corrupt entry). */
  clear(): void {
    for (let i = this.head; i < this.entries.length; i++) this.forget(this.entries[i]!);
    this.reset();
  }

  /**
   * Called by the budget with the oldest live entry of all caches sharing it, which is therefore
   * this cache's oldest.
   */
  evict(entry: TailCacheEntry): void {
    assert.equal(entry, this.entries[this.head], 'the budget evicts a cache\'s oldest entry');
    this.evictOldest();
  }

  private evictOldest(): void {
    const e = this.entries[this.head]!;
    this.entries[this.head++] = undefined as unknown as TailCacheEntry;
    this.forget(e);
    if (this.head === this.entries.length) this.reset();
    else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private forget(e: TailCacheEntry): void {
    e.live = false;
    this.bytesHeld -= e.cost;
    this.budget.release(e);
  }

  private reset(): void {
    this.entries = [];
    this.head = 0;
  }

  /** Index of the entry holding `offset`, or -1. */
  private find(offset: number): number {
    let lo = this.head;
    let hi = this.entries.length - 1;
    if (offset < this.entries[lo]!.baseOffset || offset > this.entries[hi]!.lastOffset) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.entries[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Checks a cached batch's CRC as the file path would; a mismatch empties the cache. */
  private crcHolds(e: TailCacheEntry, pos: number, batch: BatchMeta): boolean {
    try {
      validateBatch(e.buf, pos, undefined, 'compacted');
      return true;
    } catch (err) {
      this.onCorrupt(batch.baseOffset, (err as Error).message);
      this.clear();
      return false;
    }
  }
}
