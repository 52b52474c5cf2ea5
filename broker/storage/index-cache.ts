/**
 * A broker-wide memory budget for the in-memory indexes of sealed segments.
 *
 * A sealed segment's `.index` and `.timeindex` are loaded into memory on first use (a fetch,
 * a timestamp lookup, a retention check). Before this cache they stayed there until the segment
 * was deleted, so broker memory grew with the amount of log ever touched: up to ~5 MiB per GiB
 * of log written in small batches (constants.ts). Now every sealed segment with loaded indexes
 * is an entry here, least recently used first; when the entries' bytes exceed `bytesMax`, the
 * least recently used *unpinned* ones are unloaded until the total fits again. Unloading only
 * drops the memory: the files stay, and the next reader loads them again (a page-cache read of
 * a few MiB at most, without re-running the sanity walk; see Segment.loadIndexes).
 *
 * Pinned means "someone may be using the arrays right now": a reader holds the segment
 * (acquire/release), or its load is still running. Pinned entries are skipped, so the total may
 * exceed the budget while many readers hold many segments; it comes back under the budget as
 * they release (Segment.release calls trim()). The active segment's indexes are never entries:
 * the writer uses them on every append.
 *
 * Concurrency: event-loop only. add/touch/remove/trim are synchronous, so an entry is never
 * unloaded between a reader's acquire() and release().
 */
import assert from 'node:assert/strict';
import { INDEX_CACHE_BYTES_MAX } from './constants.js';

/** What the cache needs from a segment (Segment implements it). */
export interface IndexCacheEntry {
  /** True when nobody may be using the indexes: no reader holds the segment, no load runs. */
  readonly indexesEvictable: boolean;
  /** Drops the in-memory indexes; only called when `indexesEvictable`. */
  unloadIndexes(): void;
}

export class IndexCache {
  /** The cache every segment uses unless its SegmentContext names another (tests do). */
  static readonly shared = new IndexCache(INDEX_CACHE_BYTES_MAX);

  /** Entries in least-recently-used order (a Map iterates in insertion order), with their bytes. */
  private readonly entries = new Map<IndexCacheEntry, number>();
  private bytes = 0;
  private unloads = 0;
  private hitCount = 0;
  private loadCount = 0;

  constructor(private bytesMaxNow: number) {
    assert.ok(Number.isSafeInteger(bytesMaxNow) && bytesMaxNow >= 0, 'index cache budget must be a byte count');
  }

  /** Bytes of the indexes currently held by entries. */
  get cachedBytes(): number {
    return this.bytes;
  }

  get bytesMax(): number {
    return this.bytesMaxNow;
  }

  /** Number of segments whose indexes are held. */
  get size(): number {
    return this.entries.size;
  }

  /** How many times indexes were unloaded to respect the budget (for tests and metrics). */
  get unloadCount(): number {
    return this.unloads;
  }

  /** Reads that found their segment's indexes held (touch of a held entry), for metrics. */
  get hits(): number {
    return this.hitCount;
  }

  /** Indexes loaded into the cache (add), for metrics: a read that missed, or a segment just sealed. */
  get loads(): number {
    return this.loadCount;
  }

  /** Changes the budget and unloads what no longer fits. */
  setBytesMax(bytesMax: number): void {
    assert.ok(Number.isSafeInteger(bytesMax) && bytesMax >= 0, 'index cache budget must be a byte count');
    this.bytesMaxNow = bytesMax;
    this.trim();
  }

  /** Adds (or re-adds, with new bytes) an entry as the most recently used one, then trims. */
  add(entry: IndexCacheEntry, bytes: number): void {
    this.remove(entry);
    this.entries.set(entry, bytes);
    this.bytes += bytes;
    this.loadCount++;
    this.trim();
  }

  /** Marks an entry as just used. No-op for entries not held. */
  touch(entry: IndexCacheEntry): void {
    const bytes = this.entries.get(entry);
    if (bytes === undefined) return;
    this.hitCount++;
    this.entries.delete(entry);
    this.entries.set(entry, bytes);
  }

  /** Forgets an entry without unloading it (it became active, or was deleted or closed). */
  remove(entry: IndexCacheEntry): void {
    const bytes = this.entries.get(entry);
    if (bytes === undefined) return;
    this.entries.delete(entry);
    this.bytes -= bytes;
  }

  /** Unloads unpinned entries, least recently used first, until the total fits the budget. */
  trim(): void {
    if (this.bytes <= this.bytesMaxNow) return;
    for (const [entry, bytes] of this.entries) {
      if (this.bytes <= this.bytesMaxNow) break;
      if (!entry.indexesEvictable) continue;
      this.entries.delete(entry);
      this.bytes -= bytes;
      this.unloads++;
      entry.unloadIndexes();
    }
  }
}
