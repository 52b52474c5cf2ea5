/**
 * The byte budget shared by the tail caches of many partition logs, so that 1,000 partitions
 * each keeping their recent appends cannot together hold more than `bytesMax` of memory.
 *
 * It keeps every cached entry of every cache in one queue, oldest first. Admitting an entry past
 * `bytesMax` evicts the oldest live entries, whichever partition they belong to (an idle
 * partition's tail goes before a busy one's). Entries leaving their cache for other reasons
 * (their own cache's limit, truncation, close) are only marked dead and skipped when they reach
 * the front; the queue is compacted when dead entries outnumber live ones, so its length stays
 * within twice the number of live entries.
 *
 * One broker runs per process, so the process-wide default (`TailCacheBudget.shared`) is the
 * broker-wide budget; tests and tools may give logs their own.
 *
 * Concurrency: single-threaded, synchronous.
 */
import { TAIL_CACHE_BYTES_MAX } from './constants.js';
import type { TailCacheEntry } from './tail-cache.js';

export class TailCacheBudget {
  /** The budget every LocalLog uses unless given another. */
  static readonly shared = new TailCacheBudget(TAIL_CACHE_BYTES_MAX);

  private queue: (TailCacheEntry | undefined)[] = [];
  private head = 0;
  private live = 0;
  private bytesHeld = 0;

  constructor(readonly bytesMax: number) {}

  /** Bytes of memory held by the live entries of all caches on this budget. */
  get bytes(): number {
    return this.bytesHeld;
  }

  /** Counts a new entry in and evicts the oldest entries until the total fits. */
  admit(entry: TailCacheEntry): void {
    this.queue.push(entry);
    this.live++;
    this.bytesHeld += entry.cost;
    while (this.bytesHeld > this.bytesMax && this.head < this.queue.length) {
      const oldest = this.queue[this.head];
      this.queue[this.head++] = undefined;
      // evict() calls release(), which updates the totals.
      if (oldest?.live) oldest.cache.evict(oldest);
    }
    this.compact();
  }

  /** An entry left its cache (evicted by anyone, dropped or cleared). */
  release(entry: TailCacheEntry): void {
    this.live--;
    this.bytesHeld -= entry.cost;
  }

  /** Array slots the queue holds (live, dead or already passed): about twice the live entries at most. */
  get queueSlots(): number {
    return this.queue.length;
  }

  private compact(): void {
    // Passed slots are cleared and the array is cut once they are the larger part: a dead entry
    // still holds its append's buffer (a whole produce frame), so skipping it by `head` alone kept
    // every evicted frame alive (measured: broker RSS grew with the produce rate, ~13 MB/s).
    while (this.head < this.queue.length && !this.queue[this.head]?.live) this.queue[this.head++] = undefined;
    const length = this.queue.length - this.head;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > length || length > 2 * this.live + 64) {
      this.queue = this.queue.slice(this.head).filter((e) => e?.live);
      this.head = 0;
    }
  }
}
