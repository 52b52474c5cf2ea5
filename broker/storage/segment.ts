/**
 * One segment of a partition log: `<base>.log` plus its `.index` and `.timeindex`.
 *
 * The `.log` holds RecordBatch v2 batches back to back, exactly as producers sent them with the
 * broker-assigned base offset (and leader epoch) stamped; offsets are contiguous from
 * `baseOffset`. Byte positions fit a u32 (SEGMENT_POSITION_MAX) and offsets relative to the base
 * fit a u32 (RELATIVE_OFFSET_MAX): the log rolls to a new segment before either would overflow.
 *
 * The `.log` is not preallocated (fallocate would make fdatasync cheaper on some filesystems but
 * would leave a zero-filled tail after a crash whose end must then be found by scanning, as
 * recovery already does; the measured fdatasync cost here did not justify it). Index files are
 * preallocated, and trimmed when the segment is sealed or closed.
 *
 * State, all read-only to callers: `size`/`nextOffset` describe bytes *placed* by the writer
 * (possibly still being written); `writtenBytes` is the prefix whose write has completed, the
 * most any reader may touch. Which offsets a reader may return is the caller's bound (the log's
 * reads take a maximum offset); the segment only knows bytes.
 *
 * Indexes: the active segment's are always in memory. A sealed segment's are loaded on demand
 * (loadIndexes) and are then an entry of the broker-wide IndexCache, which unloads them again
 * when sealed indexes exceed its budget and nobody holds the segment.
 *
 * Concurrency: one writer (the owning LocalLog's serial write path) places, writes, rolls,
 * truncates and seals; any number of readers read concurrently below `writtenBytes`, holding a
 * reference (acquire/release) so a deleted segment's files are closed only after they finish
 * and its indexes stay loaded while they use them: use `offsetIndex`/`timeIndex` of a sealed
 * segment only between acquire() and release(), after `await loadIndexes()`.
 */
import assert from 'node:assert/strict';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../logger.js';
import { IndexCache, type IndexCacheEntry } from './index-cache.js';
import { BatchFault, scanBatches } from './batch-scan.js';
import {
  HEADER_SCAN_READ_BYTES, INDEX_WRITE_THROUGH_BYTES, LOG_DELETE_STEP_BYTES, RECOVERY_READ_BYTES, RELATIVE_OFFSET_MAX, SEGMENT_INDEX_BYTES_MAX,
} from './constants.js';
import { Deferred, fsyncDir, readAt, truncateInSteps, writevAt, type FaultInjector } from './file-io.js';
import { rollAgeMs, type LogConfig } from './log-config.js';
import { DELETED_SUFFIX, logFilePath, offsetIndexPath, timeIndexPath } from './log-files.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';

/** Largest timestamp of a segment with no batches. */
export const NO_TIMESTAMP = -Infinity;

/** What a write failure rolls back to. */
export interface SegmentSnapshot {
  size: number;
  nextOffset: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  bytesSinceIndexEntry: number;
  offsetEntries: number;
  timeEntries: number;
  rollBaseMs: number;
}

export type RollReason = 'size' | 'offset' | 'index' | 'age';

/** What a segment needs from its log: the current config (mutable), logger, test faults. */
export interface SegmentContext {
  readonly config: LogConfig;
  readonly logger: Logger;
  readonly faults?: FaultInjector | undefined;
  /** Where sealed segments' indexes are accounted. @default IndexCache.shared */
  readonly indexCache?: IndexCache | undefined;
}

/** What a clean open learnt about the active segment from its indexes and tail scan. */
export interface SegmentTail {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  readonly nextOffset: number;
  readonly maxTimestamp: number;
  readonly offsetOfMaxTimestamp: number;
  /** Bytes after the last offset-index entry. */
  readonly bytesSinceIndexEntry: number;
}

export class Segment implements IndexCacheEntry {
  readonly logPath: string;

  private placed = 0;
  private written = 0;
  private next: number;
  private maxTs = NO_TIMESTAMP;
  private offsetOfMaxTs: number;
  private sinceIndexEntry = 0;
  private rollBase: number;
  private isSealed = false;
  private isDeleted = false;

  private offsetIdx: OffsetIndex | undefined;
  private timeIdx: TimeIndex | undefined;
  private loading: Promise<void> | undefined;
  private refs = 0;
  private idle: Deferred | undefined;
  private closed = false;
  /**
   * Entry counts of index files that passed the sanity checks once. Sealed index files do not
   * change while the broker runs, so a reload after an unload skips the O(entries) walk.
   */
  private checkedEntries: { offset: number; time: number } | undefined;
  /** Made by create() in this process and never given a batch: its empty file needs no sync. */
  private createdEmpty = false;

  /** Set by retire(): the names the files were renamed to, which delete() removes. */
  private retiredPaths: string[] | undefined;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    readonly log: FileHandle,
    private readonly ctx: SegmentContext,
    nowMs: number,
    /** Appended to all three file names (the cleaner writes `.cleaned` segments). */
    private readonly suffix = '',
  ) {
    this.logPath = logFilePath(dir, baseOffset) + suffix;
    this.next = baseOffset;
    this.offsetOfMaxTs = baseOffset;
    this.rollBase = nowMs;
  }

  /** Bytes placed by the writer (some may still be in flight to the file). */
  get size(): number {
    return this.placed;
  }

  /** Bytes whose write completed: readers never read past this. */
  get writtenBytes(): number {
    return this.written;
  }

  /** The offset after the last placed batch. */
  get nextOffset(): number {
    return this.next;
  }

  /** Largest record timestamp placed (NO_TIMESTAMP when unknown or empty). */
  get maxTimestamp(): number {
    return this.maxTs;
  }

  get offsetOfMaxTimestamp(): number {
    return this.offsetOfMaxTs;
  }

  /** Wall-clock ms age-based rolling counts from: when the first batch was placed. */
  get rollBaseMs(): number {
    return this.rollBase;
  }

  /** Sealed segments take no more appends; their index files are trimmed and read-only. */
  get sealed(): boolean {
    return this.isSealed;
  }

  /** Set once delete() began: the segment is leaving the log. */
  get deleted(): boolean {
    return this.isDeleted;
  }

  /**
   * Creates the three files of a new, empty, active segment. The caller fsyncs the directory.
   * With a `suffix` the files are a cleaned segment being written (see cleaner/segment-swap.ts):
   * written and closed like any segment, then renamed into place.
   */
  static async create(dir: string, baseOffset: number, ctx: SegmentContext, suffix = ''): Promise<Segment> {
    const log = await open(logFilePath(dir, baseOffset) + suffix, 'wx+');
    const seg = new Segment(dir, baseOffset, log, ctx, Date.now(), suffix);
    seg.createdEmpty = true;
    try {
      const indexBytes = ctx.config.segmentIndexBytes;
      seg.offsetIdx = new OffsetIndex(offsetIndexPath(dir, baseOffset) + suffix, baseOffset, indexBytes);
      seg.timeIdx = new TimeIndex(timeIndexPath(dir, baseOffset) + suffix, baseOffset, indexBytes);
      await seg.offsetIdx.openWritable('create');
      await seg.timeIdx.openWritable('create');
    } catch (err) {
      await seg.abandon();
      throw err;
    }
    return seg;
  }

  /**
   * Opens an existing segment's log; `size` is the file size. Indexes are not loaded: sealed
   * segments load them on first use, the active one via activate() or a recovery scan.
   */
  static async openExisting(dir: string, baseOffset: number, ctx: SegmentContext): Promise<Segment> {
    const path = logFilePath(dir, baseOffset);
    const log = await open(path, 'r+');
    const st = await log.stat();
    const birth = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
    const seg = new Segment(dir, baseOffset, log, ctx, birth);
    seg.isSealed = true;
    seg.placed = st.size;
    seg.written = st.size;
    return seg;
  }

  /**
   * A sealed segment opened without a scan ends where the next one begins (the loader's
   * knowledge; a recovery scan replaces it with what the bytes say).
   */
  assumeNextOffset(nextOffset: number): void {
    assert.ok(this.isSealed && nextOffset >= this.baseOffset, 'only a sealed segment ends where the next begins');
    this.next = nextOffset;
  }

  /**
   * Where the index files are: with the segment's suffix, and under their `.deleted` names once
   * retired (a reader still holding a retired segment must never load the indexes of the
   * segment that took its names).
   */
  private get offsetIndexFile(): string {
    return offsetIndexPath(this.dir, this.baseOffset) + this.suffix + (this.retiredPaths ? DELETED_SUFFIX : '');
  }

  private get timeIndexFile(): string {
    return timeIndexPath(this.dir, this.baseOffset) + this.suffix + (this.retiredPaths ? DELETED_SUFFIX : '');
  }

  get offsetIndex(): OffsetIndex {
    assert.ok(this.offsetIdx, 'offset index not loaded');
    return this.offsetIdx;
  }

  get timeIndex(): TimeIndex {
    assert.ok(this.timeIdx, 'time index not loaded');
    return this.timeIdx;
  }

  /**
   * Clean open of the active segment: installs the indexes and tail state the caller loaded and
   * checked (recovery.ts openActiveSegment), then makes the segment writable.
   */
  async restoreTail(tail: SegmentTail): Promise<void> {
    this.offsetIdx = tail.offsetIndex;
    this.timeIdx = tail.timeIndex;
    this.next = tail.nextOffset;
    this.maxTs = tail.maxTimestamp;
    this.offsetOfMaxTs = tail.offsetOfMaxTimestamp;
    this.sinceIndexEntry = tail.bytesSinceIndexEntry;
    this.written = this.placed;
    this.isSealed = false;
    await this.activate(false);
  }

  get indexesLoaded(): boolean {
    return this.offsetIdx !== undefined && this.timeIdx !== undefined;
  }

  /** Bytes of memory the loaded indexes occupy (0 when unloaded). */
  get indexBytes(): number {
    return (this.offsetIdx?.memoryBytes ?? 0) + (this.timeIdx?.memoryBytes ?? 0);
  }

  /** IndexCacheEntry: sealed, loaded, no load running and no reader holding the segment. */
  get indexesEvictable(): boolean {
    return this.sealed && this.refs === 0 && this.loading === undefined && this.indexesLoaded;
  }

  /** IndexCacheEntry: drops the in-memory indexes of an unused sealed segment. */
  unloadIndexes(): void {
    assert.ok(this.indexesEvictable, 'unloading indexes that may be in use');
    this.offsetIdx = undefined;
    this.timeIdx = undefined;
  }

  /**
   * Hands a sealed segment's loaded indexes to the cache (after a load, a seal, or a recovery
   * that rebuilt them), so that they count against the budget and can be unloaded.
   */
  admitIndexesToCache(): void {
    if (!this.sealed || this.deleted || this.closed || !this.indexesLoaded) return;
    this.cache.add(this, this.indexBytes);
  }

  private get cache(): IndexCache {
    return this.ctx.indexCache ?? IndexCache.shared;
  }

  // ---- writer side -------------------------------------------------------------------------

  /** Why an append of `bytes` ending at `lastOffset` must go to a new segment, if it must. */
  rollReason(bytes: number, lastOffset: number, nowMs: number, config: LogConfig): RollReason | undefined {
    if (this.placed === 0) return undefined;
    if (this.placed + bytes > config.segmentBytes) return 'size';
    if (lastOffset - this.baseOffset > RELATIVE_OFFSET_MAX) return 'offset';
    if (this.offsetIndex.isFull || this.timeIndex.isFull) return 'index';
    if (nowMs - this.rollBase > rollAgeMs(config)) return 'age';
    return undefined;
  }

  /**
   * Records a batch at the end of the segment in memory: advances size and nextOffset and adds
   * index entries. Also used by rebuilds, so indexes come out the same either way.
   */
  placeBatch(baseOffset: number, lastOffset: number, maxTimestamp: number, bytes: number, indexIntervalBytes: number): number {
    const position = this.placed;
    if (position === 0) this.rollBase = Date.now();
    if (maxTimestamp > this.maxTs) {
      this.maxTs = maxTimestamp;
      this.offsetOfMaxTs = lastOffset;
    }
    if (this.sinceIndexEntry >= indexIntervalBytes) {
      // A full index only costs lookup precision; the writer rolls before the next append.
      if (!this.offsetIndex.isFull) this.offsetIndex.append(baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTs, this.offsetOfMaxTs);
      this.sinceIndexEntry = 0;
    }
    this.sinceIndexEntry += bytes;
    this.placed = position + bytes;
    this.createdEmpty = false;
    this.next = lastOffset + 1;
    return position;
  }

  snapshot(): SegmentSnapshot {
    return {
      size: this.placed,
      nextOffset: this.next,
      maxTimestamp: this.maxTs,
      offsetOfMaxTimestamp: this.offsetOfMaxTs,
      bytesSinceIndexEntry: this.sinceIndexEntry,
      offsetEntries: this.offsetIndex.entries,
      timeEntries: this.timeIndex.entries,
      rollBaseMs: this.rollBase,
    };
  }

  /** Writes placed bytes at `position` (one writev), and index entries once a page is pending. */
  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    const log = writevAt(this.log, buffers, position, this.ctx.faults, this.logPath);
    let bytes: number;
    if (this.offsetIndex.unwrittenBytes < INDEX_WRITE_THROUGH_BYTES && this.timeIndex.unwrittenBytes < INDEX_WRITE_THROUGH_BYTES) {
      bytes = await log;
    } else {
      [bytes] = await Promise.all([log, this.offsetIndex.writeThrough(), this.timeIndex.writeThrough()]);
    }
    // Writes are serial and contiguous, so the written prefix simply grows to this write's end.
    this.written = Math.max(this.written, position + bytes);
  }

  /** Undoes placements after a failed write: memory first, then the file is cut back. */
  async rollback(snap: SegmentSnapshot): Promise<void> {
    this.placed = snap.size;
    this.next = snap.nextOffset;
    this.maxTs = snap.maxTimestamp;
    this.offsetOfMaxTs = snap.offsetOfMaxTimestamp;
    this.sinceIndexEntry = snap.bytesSinceIndexEntry;
    this.rollBase = snap.rollBaseMs;
    this.offsetIndex.truncateEntries(snap.offsetEntries);
    this.timeIndex.truncateEntries(snap.timeEntries);
    await this.log.truncate(snap.size);
    await this.syncFile(this.log, this.logPath);
  }

  /**
   * Cuts the segment so that it ends before the batch containing `offset` (whole batches only)
   * and makes it active again. Returns the new nextOffset (the cut batch's base offset).
   */
  async truncateTo(offset: number): Promise<number> {
    // Held so that the cache cannot unload a sealed segment's indexes between the awaits below.
    this.acquire();
    try {
      return await this.truncateToHeld(offset);
    } finally {
      this.release();
    }
  }

  private async truncateToHeld(offset: number): Promise<number> {
    await this.loadIndexes();
    let cut = { position: this.placed, baseOffset: this.next };
    const start = this.offsetIndex.lookup(offset);
    const window = Buffer.allocUnsafe(HEADER_SCAN_READ_BYTES);
    for await (const b of scanBatches(this.log, { from: start.position, to: this.placed, expectOffset: start.offset, mode: 'header', window })) {
      if (b.lastOffset >= offset) {
        cut = { position: b.position, baseOffset: b.baseOffset };
        break;
      }
    }
    // Readers stop at the cut before the bytes after it disappear from the file.
    this.written = Math.min(this.written, cut.position);
    this.offsetIndex.truncateTo(cut.baseOffset);
    this.timeIndex.truncateTo(cut.baseOffset);
    await this.log.truncate(cut.position);
    await this.syncFile(this.log, this.logPath);
    this.placed = cut.position;
    this.next = cut.baseOffset;
    await this.recomputeTail(window);
    if (this.isSealed) await this.activate(false);
    return cut.baseOffset;
  }

  /** Recomputes the largest timestamp and index spacing from the indexes and the log tail. */
  private async recomputeTail(window: Buffer): Promise<void> {
    const lastTime = this.timeIndex.lastEntry();
    this.maxTs = lastTime?.timestamp ?? NO_TIMESTAMP;
    this.offsetOfMaxTs = lastTime?.offset ?? this.baseOffset;
    const from = lastTime ? this.offsetIndex.lookup(lastTime.offset + 1) : { offset: this.baseOffset, position: 0 };
    for await (const b of scanBatches(this.log, { from: from.position, to: this.placed, expectOffset: from.offset, mode: 'header', window })) {
      if (b.maxTimestamp > this.maxTs) {
        this.maxTs = b.maxTimestamp;
        this.offsetOfMaxTs = b.lastOffset;
      }
    }
    this.sinceIndexEntry = this.placed - (this.offsetIndex.lastEntry()?.position ?? 0);
  }

  /**
   * Seals the segment when the log rolls past it: records the final time-index entry, trims
   * and fsyncs both index files and drops their handles. The log bytes are fsynced by the
   * flusher (the segment stays dirty until then).
   */
  async seal(): Promise<void> {
    if (this.isSealed) return;
    if (this.placed > 0) this.timeIndex.maybeAppend(this.maxTs, this.offsetOfMaxTs, true);
    await this.offsetIndex.seal();
    await this.timeIndex.seal();
    this.isSealed = true;
    this.checkedEntries = { offset: this.offsetIndex.entries, time: this.timeIndex.entries };
    this.admitIndexesToCache();
  }

  /**
   * Makes a loaded (or rebuilt) segment the active one: index files are reopened for writing
   * and preallocated to the configured size.
   */
  async activate(rebuilt: boolean): Promise<void> {
    this.acquire();
    try {
      await this.loadIndexes();
      // Active from here on: the writer owns the indexes, the cache must not unload them.
      this.cache.remove(this);
      // Indexes of sealed segments were loaded with the largest capacity; re-create them with the
      // configured one (at least what they already hold).
      this.offsetIdx = this.offsetIndex.withCapacity(this.ctx.config.segmentIndexBytes);
      this.timeIdx = this.timeIndex.withCapacity(this.ctx.config.segmentIndexBytes);
      this.checkedEntries = undefined;
      await this.offsetIdx.openWritable(rebuilt ? 'replace' : 'existing');
      await this.timeIdx.openWritable(rebuilt ? 'replace' : 'existing');
      this.isSealed = false;
    } finally {
      this.release();
    }
  }

  // ---- indexes of sealed segments ------------------------------------------------------------

  /**
   * Loads the index files unless they are in memory (marking them used in the cache), checking
   * them the first time and rebuilding them from the log when broken. Callers hold the segment
   * (acquire) so that the indexes stay loaded until they release it.
   */
  loadIndexes(): Promise<void> {
    if (this.indexesLoaded) {
      if (this.isSealed) this.cache.touch(this);
      return Promise.resolve();
    }
    this.loading ??= this.loadIndexesOnce().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async loadIndexesOnce(): Promise<void> {
    const offsetIdx = new OffsetIndex(this.offsetIndexFile, this.baseOffset, SEGMENT_INDEX_BYTES_MAX);
    const timeIdx = new TimeIndex(this.timeIndexFile, this.baseOffset, SEGMENT_INDEX_BYTES_MAX);
    const [offsetLoad, timeLoad] = await Promise.all([offsetIdx.load(), timeIdx.load()]);
    const checked = this.checkedEntries;
    const unchanged = checked !== undefined && checked.offset === offsetIdx.entries && checked.time === timeIdx.entries;
    const reason = offsetLoad ?? timeLoad ?? (unchanged ? undefined
      : offsetIdx.sanityCheck(this.placed, this.next) ?? timeIdx.sanityCheck(this.next));
    if (reason === undefined) {
      this.offsetIdx = offsetIdx;
      this.timeIdx = timeIdx;
      this.checkedEntries = { offset: offsetIdx.entries, time: timeIdx.entries };
      this.admitIndexesToCache();
      const last = timeIdx.lastEntry();
      if (last && last.timestamp > this.maxTs) {
        this.maxTs = last.timestamp;
        this.offsetOfMaxTs = last.offset;
      }
      return;
    }
    this.ctx.logger.warn({ file: offsetIdx.path, reason }, 'index is broken; rebuilding it from the log');
    const fault = await this.rebuildIndexes(0, undefined);
    if (fault) {
      this.ctx.logger.error({ file: this.logPath, position: fault.position, reason: fault.reason },
        'sealed segment has corrupt data; index rebuilt up to it');
    }
    await this.offsetIndex.writeOut();
    await this.timeIndex.writeOut();
    this.checkedEntries = { offset: this.offsetIndex.entries, time: this.timeIndex.entries };
    this.admitIndexesToCache();
  }

  /**
   * Rescans the log from byte 0 with full CRC checks and rebuilds both indexes in memory
   * (capacity `indexBytes`, 0 = the largest). Returns the first fault, if any; `size` and
   * `nextOffset` then describe the valid prefix. `sealed` says whether the segment is rebuilt
   * as a sealed one (a final time-index entry) or as the active one (recovery decides).
   */
  async rebuildIndexes(indexBytes: number, window: Buffer | undefined, sealed = this.isSealed): Promise<BatchFault | undefined> {
    this.isSealed = sealed;
    const cap = indexBytes > 0 ? indexBytes : SEGMENT_INDEX_BYTES_MAX;
    this.offsetIdx = new OffsetIndex(this.offsetIndexFile, this.baseOffset, cap);
    this.timeIdx = new TimeIndex(this.timeIndexFile, this.baseOffset, cap);
    const fileBytes = this.placed;
    this.placed = 0;
    this.next = this.baseOffset;
    this.maxTs = NO_TIMESTAMP;
    this.offsetOfMaxTs = this.baseOffset;
    this.sinceIndexEntry = 0;
    const rollBase = this.rollBase;
    const buf = window ?? Buffer.allocUnsafe(Math.max(1, Math.min(fileBytes, RECOVERY_READ_BYTES)));
    const interval = this.ctx.config.indexIntervalBytes;
    let fault: BatchFault | undefined;
    try {
      for await (const b of scanBatches(this.log, { from: 0, to: fileBytes, expectOffset: this.baseOffset, mode: 'crc', window: buf })) {
        this.placeBatch(b.baseOffset, b.lastOffset, b.maxTimestamp, b.size, interval);
      }
    } catch (err) {
      if (!(err instanceof BatchFault)) throw err;
      fault = err;
    }
    this.rollBase = rollBase;
    this.written = this.placed;
    if (this.isSealed && this.placed > 0) this.timeIndex.maybeAppend(this.maxTs, this.offsetOfMaxTs, true);
    return fault;
  }

  /** Recovery: cuts the file back to the valid prefix rebuildIndexes found. */
  async dropInvalidTail(): Promise<void> {
    await this.log.truncate(this.placed);
  }

  /** Recovery: a rebuilt segment that is not the last one is written out as sealed. */
  async sealRecovered(): Promise<void> {
    this.isSealed = true;
    await this.offsetIndex.writeOut();
    await this.timeIndex.writeOut();
  }

  // ---- readers -------------------------------------------------------------------------------

  async read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return readAt(this.log, buf, offset, length, position);
  }

  acquire(): void {
    this.refs++;
  }

  release(): void {
    assert.ok(this.refs > 0, 'segment released more often than acquired');
    this.refs--;
    if (this.refs !== 0) return;
    if (this.idle) this.idle.resolve();
    // Readers may have kept the cache over its budget; this segment can go now if it must.
    if (this.isSealed) this.cache.trim();
  }

  // ---- durability and lifecycle --------------------------------------------------------------

  /**
   * fdatasync of the log. Index files are synced when sealed or closed: before that, the
   * segment is at or past the recovery point and its indexes are rebuilt after a crash.
   */
  async sync(): Promise<void> {
    await this.syncFile(this.log, this.logPath);
  }

  private async syncFile(fh: FileHandle, path: string): Promise<void> {
    if (this.ctx.faults?.sync) await this.ctx.faults.sync(path);
    await fh.datasync();
  }

  /**
   * Clean close: final time entry, trimmed and fsynced indexes, fsynced log, handles closed. An
   * empty active segment that never had index files keeps it that way, and one created empty
   * by this process skips the log's fdatasync: there is nothing to make durable, and a broker
   * with 10,000 idle partitions would otherwise spend 30,000 syncs on its shutdown.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const empty = this.placed === 0;
    if (this.offsetIdx?.writable) {
      if (empty && !this.offsetIdx.hasFile && !this.timeIndex.hasFile) {
        await this.offsetIdx.abandon();
        await this.timeIndex.abandon();
      } else {
        if (!empty) this.timeIndex.maybeAppend(this.maxTs, this.offsetOfMaxTs, true);
        await this.offsetIndex.seal();
        await this.timeIndex.seal();
      }
    }
    if (!(empty && this.createdEmpty)) await this.syncFile(this.log, this.logPath);
    await this.closeHandles();
  }

  /** Closes handles without flushing (after I/O errors). */
  async abandon(): Promise<void> {
    if (this.closed) return;
    await this.offsetIdx?.abandon();
    await this.timeIdx?.abandon();
    await this.closeHandles().catch(() => undefined);
  }

  /**
   * Waits for readers to finish, closes the handles and removes the three files. A large .log
   * is truncated in steps first (truncateInSteps: one huge unlink stalls appends' fdatasyncs),
   * after a durable rename to `.deleted`: a crash mid-way then leaves a leftover the loader
   * removes, never a cut-short segment that would come back as the start of the log. The data
   * is gone either way, so a failed rename or step only skips to the unlink.
   */
  async delete(): Promise<void> {
    this.isDeleted = true;
    this.cache.remove(this);
    if (this.refs > 0) {
      this.idle = new Deferred();
      await this.idle.promise;
    }
    if (this.retiredPaths) {
      await this.deleteRetired(this.retiredPaths);
      return;
    }
    let logPath = this.logPath;
    if (!this.closed && this.placed > LOG_DELETE_STEP_BYTES) {
      try {
        await rename(this.logPath, `${this.logPath}${DELETED_SUFFIX}`);
        logPath = `${this.logPath}${DELETED_SUFFIX}`;
        await fsyncDir(this.dir);
        await truncateInSteps(this.log, this.placed);
      } catch {
        // Falls through to the unlink of whichever name the file has.
      }
    }
    await this.abandon();
    for (const p of [logPath, this.offsetIndexFile, this.timeIndexFile]) {
      await unlink(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  /**
   * Renames the three files to `.deleted` names (a cleaned segment is about to take this one's
   * place, possibly under the same names) and marks the segment as leaving the log. Readers
   * holding it keep reading through the open handle; delete() later shrinks and unlinks the
   * renamed files. The caller fsyncs the directory. Files already missing (indexes are derived
   * and may never have been written) are skipped.
   */
  async retire(): Promise<void> {
    this.isDeleted = true;
    const renamed: string[] = [];
    for (const p of [this.logPath, this.offsetIndexFile, this.timeIndexFile]) {
      try {
        await rename(p, p + DELETED_SUFFIX);
        renamed.push(p + DELETED_SUFFIX);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.retiredPaths = renamed;
  }

  private async deleteRetired(paths: readonly string[]): Promise<void> {
    if (!this.closed && this.placed > LOG_DELETE_STEP_BYTES) await truncateInSteps(this.log, this.placed).catch(() => undefined);
    await this.abandon();
    for (const p of paths) {
      await unlink(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  private async closeHandles(): Promise<void> {
    this.closed = true;
    this.cache.remove(this);
    await this.log.close();
  }
}
