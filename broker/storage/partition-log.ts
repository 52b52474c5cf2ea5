/**
 * The log of one partition: an ordered list of segments, the last of which (the active one)
 * takes appends.
 *
 * Offsets: `logStartOffset` (first offset kept, the first segment's base) ≤ `highWatermark`
 * (what readers may see) ≤ `logEndOffset` (next offset to assign). append() assigns offsets
 * synchronously; bytes reach the file later, in call order, through one serial write path;
 * under flushPolicy 'always' the high watermark only moves after the fdatasync covering them.
 *
 * Concurrency contract:
 *   - append() is synchronous and may be called at any time; appends are written in call order.
 *   - Writes, rolls, truncation and retention run one at a time on a serial chain (`exclusive`).
 *     Each queued group of appends is one link, so maintenance waits at most one group.
 *   - fdatasync runs beside the writer (Flusher): while one sync runs, the writer keeps writing
 *     and the next sync covers everything written meanwhile (group commit).
 *   - read(), offsetForTimestamp() and scanBatchHeaders() run concurrently with all of the
 *     above, never look past the high watermark, and hold a reference on the segment they read
 *     so retention and truncation close its files only after they finish.
 *   - read() answers from the tail cache (tail-cache.ts) when it holds the offset: the appends
 *     written most recently, added once their write succeeded, dropped on truncation, rewind,
 *     retention and close. It answers synchronously, so a fetch woken by a high-watermark
 *     advance is answered in the same event-loop turn as the fdatasync that caused it.
 *
 * Failure contract:
 *   - A failed write (ENOSPC, EIO...) fails that append and every append queued after it with
 *     NotEnoughSpaceError / StorageError, cuts the file back to the last good byte and rewinds
 *     logEndOffset; reads continue and later appends may succeed.
 *   - A failed fdatasync makes the log unhealthy for good (see Flusher): pending and future
 *     appends fail with StorageError, nothing is acknowledged again until the log is reopened.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  CorruptLogError, MessageTooLargeError, OffsetOutOfRangeError, StorageError, StrataError, TooManyRequestsError,
} from '../../proto/errors.js';
import {
  stampBaseOffset, stampLeaderEpoch, validateBatches, type BatchHeader,
} from '../../proto/record-batch.js';
import type { Logger } from '../logger.js';
import {
  APPEND_BYTES_MAX, APPEND_QUEUE_BYTES_MAX, LEADER_EPOCH_DEFAULT, TAIL_CACHE_PARTITION_BYTES_MAX, VERIFY_CRC_ON_READ_DEFAULT,
} from './constants.js';
import { Deferred, fsyncDir, storageFailure, toStorageError, type FaultInjector } from './file-io.js';
import { Flusher } from './flusher.js';
import { validateLogConfig, type LogConfig } from './log-config.js';
import { loadSegments } from './log-loader.js';
import { findTimestampInSegment, readFromSegment, segmentHeaders } from './log-reader.js';
import { batchMetas, LogWriter, type PendingAppend, type WriterHost } from './log-writer.js';
import { selectRetainedSegments } from './retention.js';
import { NO_TIMESTAMP, Segment, type RollReason, type SegmentContext } from './segment.js';
import { TailCache } from './tail-cache.js';
import type { IndexCache } from './index-cache.js';
import { TailCacheBudget } from './tail-cache-budget.js';

export interface AppendResult {
  /** Offset assigned to the first record of the first batch. */
  baseOffset: number;
  /** Offset of the last record of the last batch. */
  lastOffset: number;
  /** Broker wall-clock time of the append (batches keep their CreateTime timestamps). */
  logAppendTimeMs: number;
  /** Resolves when the bytes are written to the file (OS cache). */
  written: Promise<void>;
  /**
   * Resolves when durable per flush policy: under 'always' after the fdatasync that covers
   * them; under 'interval'/'never' the same promise as `written`.
   */
  durable: Promise<void>;
}

export interface ReadResult {
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
}

export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  logger: Logger;
  /** Scan from the recovery point (the last run did not shut down cleanly). */
  recover: boolean;
  /** Offset below which data was known flushed; undefined with `recover` scans everything. */
  recoveryPoint?: number | undefined;
  /** Tests only: inject write/sync failures. */
  faults?: FaultInjector | undefined;
  /** Memory shared with other logs' tail caches. @default TailCacheBudget.shared */
  tailCacheBudget?: TailCacheBudget | undefined;
  /** This log's tail cache limit; 0 turns the cache off. @default TAIL_CACHE_PARTITION_BYTES_MAX */
  tailCacheBytes?: number | undefined;
  /** Where this log's sealed segments' indexes are accounted. @default IndexCache.shared */
  indexCache?: IndexCache | undefined;
}

/** Counters for tests and metrics. */
export interface PartitionLogStats {
  appends: number;
  /** writev calls on `.log` files. */
  writes: number;
  /** fdatasync passes (each may sync more than one file). */
  syncs: number;
  rolls: number;
  /** read() calls answered from the tail cache. */
  cacheReads: number;
  /** read() calls that read a segment file. */
  fileReads: number;
}

/** A position in the log: everything before `offset` lies before `position` in `segment`. */
interface LogMark {
  offset: number;
  segment: Segment;
  position: number;
  /** Truncation generation the mark belongs to; stale marks are ignored. */
  generation: number;
}

const EMPTY = Buffer.alloc(0);

export class PartitionLog extends EventEmitter {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  /** Mutable: topic config updates apply to the next append, roll and retention check. */
  config: LogConfig;
  /** partitionLeaderEpoch stamped into appended batches. */
  leaderEpoch = LEADER_EPOCH_DEFAULT;

  private readonly logger: Logger;
  private readonly name: string;
  private readonly ctx: SegmentContext;
  private segments: Segment[];
  private nextOffset: number;
  private hw: number;
  private writtenMark: LogMark;
  private durableMark: LogMark;
  private generation = 0;
  private readonly writer: LogWriter;
  private awaitingDurable: PendingAppend[] = [];
  private dirty = new Set<Segment>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly flusher: Flusher<LogMark>;
  private unhealthy: StorageError | undefined;
  private truncating = 0;
  private closing = false;
  private closed = false;
  private lastFlushMs = Date.now();
  private readonly counters: PartitionLogStats = { appends: 0, writes: 0, syncs: 0, rolls: 0, cacheReads: 0, fileReads: 0 };
  private readonly cache: TailCache;

  private constructor(opts: PartitionLogOptions, segments: Segment[], ctx: SegmentContext, logger: Logger) {
    super();
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.dir = opts.dir;
    this.config = opts.config;
    this.logger = logger;
    this.name = `${opts.topic}-${opts.partition}`;
    this.ctx = ctx;
    this.segments = segments;
    const active = this.active;
    this.nextOffset = active.nextOffset;
    this.hw = this.nextOffset;
    this.writtenMark = { offset: this.nextOffset, segment: active, position: active.size, generation: 0 };
    this.durableMark = this.writtenMark;
    this.cache = new TailCache(opts.tailCacheBudget ?? TailCacheBudget.shared, opts.tailCacheBytes ?? TAIL_CACHE_PARTITION_BYTES_MAX,
      (offset, reason) => this.logger.error({ offset, reason }, 'tail cache holds a changed batch (a buffer was modified after append); reading the file'));
    this.writer = new LogWriter(this.writerHost());
    this.flusher = new Flusher<LogMark>({
      takeDirty: () => this.takeDirty(),
      flushed: (mark) => this.onFlushed(mark),
      flushFailed: (err) => this.onFlushFailed(err),
    });
  }

  static async open(opts: PartitionLogOptions): Promise<PartitionLog> {
    validateLogConfig(opts.config);
    const logger = opts.logger.child({ component: 'storage', topic: opts.topic, partition: opts.partition });
    // The context reads `config` through the log so that config updates reach the segments.
    let log: PartitionLog | undefined;
    const ctx: SegmentContext = {
      get config() { return log?.config ?? opts.config; },
      logger,
      faults: opts.faults,
      indexCache: opts.indexCache,
    };
    const segments = await loadSegments({ dir: opts.dir, ctx, recover: opts.recover, recoveryPoint: opts.recoveryPoint });
    log = new PartitionLog(opts, segments, ctx, logger);
    logger.debug({ logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, segments: segments.length }, 'log opened');
    return log;
  }

  // ---- state -----------------------------------------------------------------------------------

  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** Next offset to assign (includes assigned-but-unwritten). */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** What readers may see: written, and under 'always' also fsynced. */
  get highWatermark(): number {
    return this.hw;
  }

  /** Offset below which data is known to be on disk (the recovery point to checkpoint). */
  get recoveryPoint(): number {
    return this.durableMark.offset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** False after an fsync error: nothing is acknowledged again until the log is reopened. */
  get healthy(): boolean {
    return this.unhealthy === undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get stats(): Readonly<PartitionLogStats> {
    return { ...this.counters, syncs: this.flusher.passes };
  }

  /** Base offsets of the segments, oldest first (for tests and tools). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** When the last successful flush finished (for the interval flusher). */
  get lastFlushTimeMs(): number {
    return this.lastFlushMs;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  // ---- append ----------------------------------------------------------------------------------

  /**
   * Validates every batch (throwing InvalidRecordBatchError / MessageTooLargeError and writing
   * nothing), assigns offsets by stamping each batch's baseOffset (and partitionLeaderEpoch) in
   * `batches` itself, and queues the write. `batches` must never be modified afterwards (nor its
   * memory reused): once written it is kept in the tail cache and served to readers as is.
   */
  append(batches: Buffer): AppendResult {
    if (this.unhealthy) throw new StorageError(`${this.name} is unhealthy after a failed fsync; it must be reopened`, { cause: this.unhealthy });
    if (this.closing) throw new StorageError(`${this.name} is closed`);
    if (this.truncating > 0) throw new StorageError(`${this.name} is being truncated`);
    if (batches.length > APPEND_BYTES_MAX) throw new MessageTooLargeError(`append of ${batches.length} bytes exceeds ${APPEND_BYTES_MAX}`);
    const spans = validateBatches(batches);
    if (batches.length > this.config.segmentBytes) {
      throw new MessageTooLargeError(`append of ${batches.length} bytes exceeds the segment size ${this.config.segmentBytes}`);
    }
    if (this.writer.queuedBytes + batches.length > APPEND_QUEUE_BYTES_MAX) {
      throw new TooManyRequestsError(`${this.name} has ${this.writer.queuedBytes} bytes waiting to be written`);
    }
    // Read everything that can still fail before changing anything.
    const baseOffset = this.nextOffset;
    const metas = batchMetas(batches, spans, baseOffset);
    const next = metas[metas.length - 1]!.lastOffset + 1;
    assert.ok(Number.isSafeInteger(next), 'offsets exhausted');
    for (let i = 0; i < spans.length; i++) {
      stampBaseOffset(batches, spans[i]!.pos, metas[i]!.baseOffset);
      stampLeaderEpoch(batches, spans[i]!.pos, this.leaderEpoch);
    }
    this.nextOffset = next;
    const written = new Deferred();
    const durable = this.config.flushPolicy === 'always' ? new Deferred() : written;
    this.counters.appends++;
    this.writer.enqueue({ buf: batches, batches: metas, lastOffset: next - 1, written, durable });
    return { baseOffset, lastOffset: next - 1, logAppendTimeMs: Date.now(), written: written.promise, durable: durable.promise };
  }

  private writerHost(): WriterHost {
    const log = this;
    return {
      name: this.name,
      logger: this.logger,
      get config() { return log.config; },
      get failure() { return log.unhealthy; },
      exclusive: (fn) => this.exclusive(fn),
      activeSegment: () => this.active,
      roll: (reason) => this.roll(reason),
      chunkWritten: (chunk, seg) => this.chunkWritten(chunk, seg),
      rewind: () => {
        this.nextOffset = this.writtenMark.offset;
        this.cache.dropFrom(this.nextOffset);
      },
      fatal: (err) => this.onFlushFailed(err),
      wrote: () => { this.counters.writes++; },
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private chunkWritten(chunk: PendingAppend[], seg: Segment): void {
    const mark: LogMark = { offset: seg.nextOffset, segment: seg, position: seg.size, generation: this.generation };
    this.writtenMark = mark;
    this.dirty.add(seg);
    // Cached before the high watermark can move past them: a woken fetch reads synchronously.
    for (const a of chunk) this.cache.add(a.buf, a.batches, seg.baseOffset);
    for (const a of chunk) {
      a.written.resolve();
      if (a.durable !== a.written) this.awaitingDurable.push(a);
    }
    if (this.config.flushPolicy === 'always' || this.awaitingDurable.length > 0) this.flusher.kick();
    if (this.config.flushPolicy !== 'always') this.advanceHighWatermark(mark);
  }

  private async roll(reason: RollReason): Promise<Segment> {
    const old = this.active;
    const seg = await Segment.create(this.dir, old.nextOffset, this.ctx);
    try {
      await fsyncDir(this.dir);
    } catch (err) {
      await seg.delete().catch(() => undefined);
      throw err;
    }
    try {
      await old.seal();
    } catch (err) {
      this.onFlushFailed(storageFailure(err, `${this.name}: sealing ${old.logPath} failed`));
      throw err;
    }
    this.segments.push(seg);
    this.counters.rolls++;
    // Flush the sealed segment's tail soon so the recovery point moves past it.
    this.dirty.add(old);
    this.flusher.kick();
    this.logger.debug({ reason, baseOffset: seg.baseOffset, previousBytes: old.size }, 'rolled new segment');
    return seg;
  }

  // ---- durability --------------------------------------------------------------------------------

  private takeDirty(): { mark: LogMark; segments: Segment[] } {
    const segments: Segment[] = [];
    for (const s of this.dirty) {
      if (!s.deleted) segments.push(s);
    }
    this.dirty.clear();
    return { mark: this.writtenMark, segments };
  }

  private onFlushed(mark: LogMark): void {
    if (mark.generation !== this.generation) return;
    this.lastFlushMs = Date.now();
    if (mark.offset > this.durableMark.offset) this.durableMark = mark;
    let n = 0;
    while (n < this.awaitingDurable.length && this.awaitingDurable[n]!.lastOffset < mark.offset) {
      this.awaitingDurable[n]!.durable.resolve();
      n++;
    }
    if (n > 0) this.awaitingDurable.splice(0, n);
    if (this.config.flushPolicy === 'always') this.advanceHighWatermark(mark);
  }

  private onFlushFailed(err: StorageError): void {
    if (this.unhealthy) return;
    this.unhealthy = err;
    this.logger.error({ err }, 'fsync failed; log is unhealthy until reopened');
    for (const a of this.awaitingDurable) a.durable.reject(err);
    this.awaitingDurable = [];
    this.writer.failAll([], err);
  }

  private advanceHighWatermark(mark: LogMark): void {
    if (mark.generation !== this.generation || mark.offset <= this.hw) return;
    const idx = this.segments.lastIndexOf(mark.segment);
    if (idx < 0) return;
    mark.segment.readableBytes = Math.max(mark.segment.readableBytes, mark.position);
    for (let j = idx - 1; j >= 0 && this.segments[j]!.readableBytes < this.segments[j]!.size; j--) {
      this.segments[j]!.readableBytes = this.segments[j]!.size;
    }
    this.hw = mark.offset;
    try {
      this.emit('highWatermark', this.hw);
    } catch (err) {
      // A listener's bug must not break the write or flush path that advanced the watermark.
      this.logger.error({ err }, 'highWatermark listener threw');
    }
  }

  /** fdatasync everything appended so far (waiting for queued appends to be written first). */
  async flush(): Promise<void> {
    if (this.closed) return;
    if (this.unhealthy) throw this.unhealthy;
    const last = this.writer.last();
    if (last) await last.written.promise.catch(() => undefined);
    await this.flusher.request();
  }

  // ---- reads -------------------------------------------------------------------------------------

  private checkRange(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.logStartOffset || offset > this.nextOffset) {
      throw new OffsetOutOfRangeError({
        offset, topic: this.topic, partition: this.partition,
        range: { logStartOffset: this.logStartOffset, logEndOffset: this.nextOffset },
      });
    }
  }

  /** The segment holding `offset` (the last one whose base is at or below it). */
  private segmentFor(offset: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo]!;
  }

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` but at least one batch,
   * never at or past the high watermark. Throws OffsetOutOfRangeError outside
   * [logStartOffset, logEndOffset]; returns no records in [highWatermark, logEndOffset].
   */
  async read(offset: number, maxBytes: number): Promise<ReadResult> {
    if (this.closed) throw new StorageError(`${this.name} is closed`);
    this.checkRange(offset);
    if (offset >= this.hw) return { records: EMPTY, highWatermark: this.hw, logStartOffset: this.logStartOffset };
    const verifyCrc = this.config.verifyCrcOnRead ?? VERIFY_CRC_ON_READ_DEFAULT;
    const cached = this.cache.read(offset, maxBytes, this.hw, verifyCrc);
    if (cached !== undefined) {
      this.counters.cacheReads++;
      return { records: cached, highWatermark: this.hw, logStartOffset: this.logStartOffset };
    }
    this.counters.fileReads++;
    const seg = this.segmentFor(offset);
    seg.acquire();
    try {
      await seg.loadIndexes();
      const records = await readFromSegment(seg, offset, maxBytes, {
        verifyCrc,
        indexIntervalBytes: this.config.indexIntervalBytes,
        name: this.name,
      });
      if (records.length === 0) {
        // Below the high watermark some batch must hold the offset: its bytes are missing.
        throw new CorruptLogError(`${this.name}: no batch holds offset ${offset} in ${seg.logPath} (below high watermark ${this.hw})`);
      }
      return { records, highWatermark: this.hw, logStartOffset: this.logStartOffset };
    } catch (err) {
      throw this.readFailure(err);
    } finally {
      seg.release();
    }
  }

  /** Typed errors pass through; an OS error (e.g. a handle closed under a read) becomes StorageError. */
  private readFailure(err: unknown): StrataError {
    return err instanceof StrataError ? err : storageFailure(err, `${this.name}: read failed`);
  }

  /** First offset whose record timestamp is >= `timestampMs`, below the high watermark. */
  async offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    for (const seg of [...this.segments]) {
      if (seg.deleted || seg.readableBytes === 0) continue;
      seg.acquire();
      try {
        await seg.loadIndexes();
        if (seg.maxTimestamp < timestampMs) continue;
        const found = await findTimestampInSegment(seg, timestampMs, this.name);
        if (found) return found;
      } catch (err) {
        throw this.readFailure(err);
      } finally {
        seg.release();
      }
    }
    return null;
  }

  /** Headers of the batches from the one containing `fromOffset` up to the high watermark. */
  async *scanBatchHeaders(fromOffset: number): AsyncIterable<BatchHeader> {
    let from = Math.max(fromOffset, this.logStartOffset);
    while (from < this.hw) {
      const seg = this.segmentFor(from);
      seg.acquire();
      try {
        await seg.loadIndexes();
        for await (const h of segmentHeaders(seg, from, this.name)) {
          yield h;
          from = h.baseOffset + h.lastOffsetDelta + 1;
        }
      } catch (err) {
        throw this.readFailure(err);
      } finally {
        seg.release();
      }
      // Move to the next segment (or stop if this one was the last readable one).
      const next = this.segments.find((s) => s.baseOffset > seg.baseOffset);
      if (next === undefined || next.readableBytes === 0) break;
      from = Math.max(from, next.baseOffset);
    }
  }

  // ---- maintenance -------------------------------------------------------------------------------

  /** Rolls the active segment if it is older than segmentMs (called periodically). */
  async maybeRoll(nowMs = Date.now()): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed || this.unhealthy) return;
      const active = this.active;
      if (active.size > 0 && nowMs - active.rollBaseMs > this.config.segmentMs) await this.roll('age');
    });
  }

  /**
   * Deletes whole sealed segments past retention (time: newest record older than retentionMs;
   * size: while the log minus the segment stays at or above retentionBytes), oldest first,
   * never the active one. Moves logStartOffset. Returns the number of segments deleted.
   */
  async deleteRetainedSegments(nowMs = Date.now()): Promise<number> {
    if (this.config.retentionMs >= 0) await this.learnMaxTimestamps(nowMs);
    const victims = await this.exclusive(async () => {
      if (this.closed) return [];
      const sealed = this.segments.slice(0, -1);
      const count = selectRetainedSegments(sealed, this.sizeBytes, this.config, nowMs);
      const deleted = this.segments.splice(0, count);
      this.cache.dropBefore(this.logStartOffset);
      return deleted;
    });
    if (victims.length === 0) return 0;
    this.logger.info({ segments: victims.length, logStartOffset: this.logStartOffset }, 'deleted segments past retention');
    for (const s of victims) {
      this.dirty.delete(s);
      await s.delete();
    }
    await fsyncDir(this.dir);
    return victims.length;
  }

  /**
   * Time retention needs the largest timestamp of each candidate segment. A segment knows it
   * once its indexes were loaded since the log was opened (unloading by the index cache keeps
   * it), so only segments never loaded are loaded here, oldest first, up to the first one still
   * within retention (selection stops there too). This runs outside the serial chain: each load
   * is a file read, and holding the chain meanwhile would stall every append behind it. A load
   * that fails aborts the pass before anything is selected.
   */
  private async learnMaxTimestamps(nowMs: number): Promise<void> {
    for (const s of this.segments.slice(0, -1)) {
      if (this.closed) return;
      if (s.deleted) continue;
      if (s.maxTimestamp === NO_TIMESTAMP && !s.indexesLoaded) {
        s.acquire();
        try {
          await s.loadIndexes();
        } finally {
          s.release();
        }
      }
      if (nowMs - s.maxTimestamp <= this.config.retentionMs) return;
    }
  }

  /**
   * Drops everything at and after `offset`, in whole batches: the batch containing `offset` goes
   * too, so logEndOffset becomes that batch's base offset. Appends made while it runs throw.
   * An offset at or below logStartOffset empties the log, which then starts at logStartOffset.
   */
  async truncateTo(offset: number): Promise<void> {
    assert.ok(Number.isSafeInteger(offset) && offset >= 0, 'truncation offset must be a non-negative integer');
    this.truncating++;
    try {
      await this.exclusive(async () => {
        if (this.closed) throw new StorageError(`${this.name} is closed`);
        if (offset >= this.nextOffset) return;
        await this.flusher.idle();
        this.generation++;
        // Before the first await that changes files: from here on reads go to the file path.
        this.cache.clear();
        const target = Math.max(offset, this.logStartOffset);
        const idx = this.segments.indexOf(this.segmentFor(target));
        const victims = this.segments.splice(idx + 1);
        const seg = this.segments[idx]!;
        const newEnd = await seg.truncateTo(target);
        for (const v of victims) {
          this.dirty.delete(v);
          await v.delete();
        }
        if (victims.length > 0) await fsyncDir(this.dir);
        this.nextOffset = newEnd;
        const mark: LogMark = { offset: newEnd, segment: seg, position: seg.size, generation: this.generation };
        this.writtenMark = mark;
        if (this.durableMark.offset > newEnd) this.durableMark = mark;
        else this.durableMark = { ...this.durableMark, generation: this.generation };
        if (this.hw > newEnd) this.hw = newEnd;
        const truncated = new StorageError(`${this.name} was truncated to ${newEnd}`);
        this.awaitingDurable = this.awaitingDurable.filter((a) => {
          if (a.lastOffset < newEnd) return true;
          a.durable.reject(truncated);
          return false;
        });
        this.logger.info({ offset, logEndOffset: newEnd, segmentsDeleted: victims.length }, 'log truncated');
      });
    } finally {
      this.truncating--;
    }
  }

  /**
   * Closes every file handle at once: no flush, no index trimming, queued appends fail. What a
   * crash leaves on disk (the next open must recover); also the way to give up on an unhealthy
   * log before reopening it.
   */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.closed = true;
    this.cache.clear();
    const err = new StorageError(`${this.name} was abandoned`);
    this.writer.failAll([], err);
    for (const a of this.awaitingDurable) a.durable.reject(err);
    this.awaitingDurable = [];
    await this.chain;
    await this.flusher.idle();
    for (const s of this.segments) await s.abandon();
  }

  /** Flushes, trims the indexes and closes every file. Appends fail from now on. */
  async close(): Promise<void> {
    if (this.closing) {
      while (!this.closed) await this.exclusive(async () => undefined);
      return;
    }
    this.closing = true;
    // Drain the queue: each link writes one group and re-links itself while work remains.
    while (!this.writer.idle) await this.exclusive(async () => undefined);
    await this.exclusive(async () => {
      let failure: unknown = this.unhealthy;
      if (!failure) {
        try {
          await this.flusher.request();
        } catch (err) {
          failure = err;
        }
      }
      await this.flusher.idle();
      for (const s of this.segments) {
        if (failure) {
          await s.abandon();
          continue;
        }
        try {
          await s.close();
        } catch (err) {
          failure = err;
          this.onFlushFailed(storageFailure(err, `${this.name}: closing ${s.logPath} failed`));
          await s.abandon();
        }
      }
      this.closed = true;
      this.cache.clear();
      if (failure) throw toStorageError(failure, `${this.name}: close failed`);
    });
  }
}
