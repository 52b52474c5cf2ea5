/**
 * The local log of one partition (Kafka's LocalLog): an ordered list of segments, the last of
 * which (the active one) takes appends. It knows bytes and offsets; what readers of a partition
 * may see (the high watermark), leader epochs and replication live above it, in
 * broker/partition/. Every read takes the bound the caller allows it to reach.
 *
 * Offsets: `logStartOffset` (first offset kept, the first segment's base) ≤ `durableEndOffset`
 * (fsynced) ≤ `writtenEndOffset` (in the file, i.e. the OS cache) ≤ `logEndOffset` (next offset
 * to assign). appendAsLeader() assigns offsets synchronously and appendAsFollower() keeps the
 * ones the batches carry; bytes reach the file later, in call order, through one serial write
 * path. The log emits 'written' and 'durable' (with the new end offset) when those ends move.
 *
 * Concurrency contract:
 *   - appends are synchronous and may be called at any time; they are written in call order.
 *   - Writes, rolls, truncation and retention run one at a time on a serial chain (`exclusive`).
 *     Each queued group of appends is one link, so maintenance waits at most one group.
 *   - fdatasync runs beside the writer (Flusher): while one sync runs, the writer keeps writing
 *     and the next sync covers everything written meanwhile (group commit).
 *   - read(), offsetForTimestamp() and scanBatchHeaders() run concurrently with all of the
 *     above, never look past the written end nor return a batch reaching the caller's bound,
 *     and hold a reference on the segment they read so retention and truncation close its
 *     files only after they finish.
 *   - read() answers from the tail cache (tail-cache.ts) when it holds the offset: the appends
 *     written most recently, added once their write succeeded, dropped on truncation, rewind,
 *     retention and close. It answers synchronously, so a fetch woken by a 'written'/'durable'
 *     event is answered in the same event-loop turn as the write or fdatasync that caused it.
 *   - 'written' and 'durable' listeners run synchronously inside the write and flush paths; a
 *     listener that throws is logged and does not break them.
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
import { BatchRecords } from '../../proto/batch-records.js';
import {
  CorruptLogError, InvalidRecordBatchError, MessageTooLargeError, OffsetOutOfRangeError, StorageError, TooManyRequestsError,
} from '../../proto/errors.js';
import {
  stampBaseOffset, stampLeaderEpoch, validateBatches, type BatchHeader, type BatchSpan, type OffsetLayout,
} from '../../proto/record-batch.js';
import type { Logger } from '../logger.js';
import {
  APPEND_BYTES_MAX, APPEND_QUEUE_BYTES_MAX, TAIL_CACHE_PARTITION_BYTES_MAX, VERIFY_CRC_ON_READ_DEFAULT,
} from './constants.js';
import { Deferred, fsyncDir, noop, storageFailure, toStorageError, type FaultInjector } from './file-io.js';
import { deletesByRetention, isCompacted, rollAgeMs, validateLogConfig, type LogConfig } from './log-config.js';
import { loadSegments } from './log-loader.js';
import { findTimestampInLog, headerOnlyEnd, logHeaders, readFailure, readFromSegment, releaseReadBuffer } from './log-reader.js';
import { LogEnds } from './log-ends.js';
import { batchMetas, LogWriter, storedBatchMetas, type BatchMeta, type PendingAppend, type WriterHost } from './log-writer.js';
import { learnMaxTimestamps, selectRetainedSegments } from './retention.js';
import { Segment, type RollReason, type SegmentContext } from './segment.js';
import { SegmentList } from './segment-list.js';
import type { StorageObserver } from './storage-observer.js';
import { TailCache } from './tail-cache.js';
import type { IndexCache } from './index-cache.js';
import { TailCacheBudget } from './tail-cache-budget.js';
import { UnexpectedAppendOffsetError } from './unexpected-append-offset-error.js';
import { CLEANED_SUFFIX, removeCleanedFiles, swapCleanedSegment, type CleanedFiles, type SwapFaults } from './cleaner/segment-swap.js';

export interface AppendResult {
  /** Offset of the first record of the first batch. */
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

export interface LogReadResult {
  /** Whole batches, as stored. */
  readonly records: Buffer;
  /**
   * Hands a recycled read buffer back once nothing looks at `records` any more (after the bytes
   * were copied into a response frame). Optional: an unreleased buffer is collected by the GC.
   */
  release(): void;
}

export interface LocalLogOptions {
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
  /** Told of each fdatasync pass (metrics). */
  observer?: StorageObserver | undefined;
  /** Memory shared with other logs' tail caches. @default TailCacheBudget.shared */
  tailCacheBudget?: TailCacheBudget | undefined;
  /** This log's tail cache limit; 0 turns the cache off. @default TAIL_CACHE_PARTITION_BYTES_MAX */
  tailCacheBytes?: number | undefined;
  /** Where this log's sealed segments' indexes are accounted. @default IndexCache.shared */
  indexCache?: IndexCache | undefined;
  /**
   * Set when the caller has just created `dir` inside this directory: the parent is fsynced
   * with the log's first flush (before anything is acknowledged as durable), not now.
   */
  createdIn?: string | undefined;
}

/** Counters for tests and metrics. */
export interface LocalLogStats {
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

export type LogEndListener = (endOffset: number) => void;

const EMPTY = Buffer.alloc(0);
const EMPTY_READ: LogReadResult = { records: EMPTY, release: noop };

export interface LocalLog {
  on(event: 'written' | 'durable', listener: LogEndListener): this;
  off(event: 'written' | 'durable', listener: LogEndListener): this;
}

export class LocalLog extends EventEmitter {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  /** Mutable: topic config updates apply to the next append, roll and retention check. */
  config: LogConfig;
  /**
   * The highest offset retention may delete up to (exclusive): segments are deleted only when
   * they end at or below it. The owner of the log sets it (a Partition: its high watermark, so
   * nothing consumers have not been allowed to see disappears). @default the written end
   */
  retentionLimit: () => number = () => this.ends.writtenEndOffset;

  private readonly logger: Logger;
  private readonly name: string;
  private readonly ctx: SegmentContext;
  private readonly segments: SegmentList;
  private nextOffset: number;
  private readonly ends: LogEnds;
  private readonly writer: LogWriter;
  private chain: Promise<unknown> = Promise.resolve();
  private truncating = 0;
  private closing = false;
  private closed = false;
  private readonly counters: LocalLogStats = { appends: 0, writes: 0, syncs: 0, rolls: 0, cacheReads: 0, fileReads: 0 };
  private readonly cache: TailCache;

  private constructor(opts: LocalLogOptions, segments: Segment[], ctx: SegmentContext, logger: Logger, dirSyncs: string[]) {
    super();
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.dir = opts.dir;
    this.config = opts.config;
    this.logger = logger;
    this.name = `${opts.topic}-${opts.partition}`;
    this.ctx = ctx;
    this.segments = new SegmentList(segments);
    this.nextOffset = this.segments.active.nextOffset;
    this.cache = new TailCache(opts.tailCacheBudget ?? TailCacheBudget.shared, opts.tailCacheBytes ?? TAIL_CACHE_PARTITION_BYTES_MAX,
      (offset, reason) => this.logger.error({ offset, reason }, 'tail cache holds a changed batch (a buffer was modified after append); reading the file'));
    this.writer = new LogWriter(this.writerHost());
    const log = this;
    this.ends = new LogEnds(this.segments.active, {
      logger,
      get flushPolicy() { return log.config.flushPolicy; },
      onWritten: (offset) => this.notify('written', offset),
      onDurable: (offset) => this.notify('durable', offset),
      onUnhealthy: (err) => this.writer.failAll([], err),
      syncDir: async (dir) => {
        if (opts.faults?.sync) await opts.faults.sync(dir);
        await fsyncDir(dir);
      },
      observer: opts.observer,
    }, dirSyncs);
  }

  static async open(opts: LocalLogOptions): Promise<LocalLog> {
    validateLogConfig(opts.config);
    const logger = opts.logger.child({ component: 'storage', topic: opts.topic, partition: opts.partition });
    // The context reads `config` through the log so that config updates reach the segments.
    let log: LocalLog | undefined;
    const ctx: SegmentContext = {
      get config() { return log?.config ?? opts.config; },
      logger,
      faults: opts.faults,
      indexCache: opts.indexCache,
    };
    const loaded = await loadSegments({ dir: opts.dir, ctx, recover: opts.recover, recoveryPoint: opts.recoveryPoint });
    const dirSyncs = [...(opts.createdIn ? [opts.createdIn] : []), ...(loaded.created ? [opts.dir] : [])];
    log = new LocalLog(opts, loaded.segments, ctx, logger, dirSyncs);
    logger.debug({ logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, segments: loaded.segments.length }, 'log opened');
    return log;
  }

  // ---- state -----------------------------------------------------------------------------------

  get logStartOffset(): number {
    return this.segments.first.baseOffset;
  }

  /** Next offset to assign (includes assigned-but-unwritten). */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** Offset below which every batch is in the file (the OS cache). */
  get writtenEndOffset(): number {
    return this.ends.writtenEndOffset;
  }

  /** Offset below which every batch is fsynced (the recovery point to checkpoint). */
  get durableEndOffset(): number {
    return this.ends.durableEndOffset;
  }

  get sizeBytes(): number {
    return this.segments.sizeBytes;
  }

  get segmentCount(): number {
    return this.segments.count;
  }

  /** False after an fsync error: nothing is acknowledged again until the log is reopened. */
  get healthy(): boolean {
    return this.ends.unhealthy === undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get stats(): Readonly<LocalLogStats> {
    return { ...this.counters, syncs: this.ends.syncPasses };
  }

  /** Base offsets of the segments, oldest first (for tests and tools). */
  segmentBaseOffsets(): number[] {
    return this.segments.baseOffsets();
  }

  /** When the last successful flush finished (for the interval flusher). */
  get lastFlushTimeMs(): number {
    return this.ends.lastFlushTimeMs;
  }

  // ---- append ----------------------------------------------------------------------------------

  /**
   * Validates every batch (throwing InvalidRecordBatchError / MessageTooLargeError and writing
   * nothing), assigns offsets by stamping each batch's baseOffset and `leaderEpoch`
   * (partitionLeaderEpoch) in `batches` itself, and queues the write. `batches` must never be
   * modified afterwards (nor its memory reused): once written it is kept in the tail cache and
   * served to readers as is.
   */
  appendAsLeader(batches: Buffer, leaderEpoch: number): AppendResult {
    const spans = this.validateAppend(batches);
    if (isCompacted(this.config)) this.requireKeys(batches, spans);
    // Read everything that can still fail before changing anything.
    const metas = batchMetas(batches, spans, this.nextOffset);
    for (let i = 0; i < spans.length; i++) {
      stampBaseOffset(batches, spans[i]!.pos, metas[i]!.baseOffset);
      stampLeaderEpoch(batches, spans[i]!.pos, leaderEpoch);
    }
    return this.enqueue(batches, metas);
  }

  /**
   * Appends batches that already carry their offsets and leader epochs (a replica copying its
   * leader): validated like appendAsLeader but in the compacted layout, written byte for byte.
   * The leader's log may be compacted, so offsets may skip (Kafka's follower rule): the first
   * batch must start at or after logEndOffset and each next one after the previous one's last
   * offset, else UnexpectedAppendOffsetError (nothing appended). logEndOffset then follows the
   * last batch. Same `batches` ownership rule as appendAsLeader.
   */
  appendAsFollower(batches: Buffer): AppendResult {
    // A leader's log may be compacted: batches with fewer records than offsets, gaps between them.
    const spans = this.validateAppend(batches, 'compacted');
    const metas = storedBatchMetas(batches, spans);
    let expected = this.nextOffset;
    for (const meta of metas) {
      if (meta.baseOffset < expected) throw new UnexpectedAppendOffsetError(expected, meta.baseOffset, this.name);
      expected = meta.lastOffset + 1;
    }
    return this.enqueue(batches, metas);
  }

  /**
   * A compacted log keeps the latest record per key, so a record without a key has no place in
   * it (Kafka refuses it the same way). Walks the records: per-record work, for compacted logs only.
   */
  private requireKeys(batches: Buffer, spans: readonly BatchSpan[]): void {
    const walk = new BatchRecords();
    for (const { pos, size } of spans) {
      walk.load(batches, pos, size);
      for (let i = 0; i < walk.count; i++) {
        if (walk.keyLength[i]! < 0) {
          throw new InvalidRecordBatchError(`${this.name} is compacted (cleanup.policy=${this.config.cleanupPolicy}): every record needs a key`);
        }
      }
    }
  }

  private validateAppend(batches: Buffer, layout: OffsetLayout = 'dense'): BatchSpan[] {
    const unhealthy = this.ends.unhealthy;
    if (unhealthy) throw new StorageError(`${this.name} is unhealthy after a failed fsync; it must be reopened`, { cause: unhealthy });
    if (this.closing) throw new StorageError(`${this.name} is closed`);
    if (this.truncating > 0) throw new StorageError(`${this.name} is being truncated`);
    if (batches.length > APPEND_BYTES_MAX) throw new MessageTooLargeError(`append of ${batches.length} bytes exceeds ${APPEND_BYTES_MAX}`);
    const spans = validateBatches(batches, undefined, layout);
    if (batches.length > this.config.segmentBytes) {
      throw new MessageTooLargeError(`append of ${batches.length} bytes exceeds the segment size ${this.config.segmentBytes}`);
    }
    if (this.writer.queuedBytes + batches.length > APPEND_QUEUE_BYTES_MAX) {
      throw new TooManyRequestsError(`${this.name} has ${this.writer.queuedBytes} bytes waiting to be written`);
    }
    return spans;
  }

  private enqueue(batches: Buffer, metas: BatchMeta[]): AppendResult {
    const baseOffset = metas[0]!.baseOffset;
    const next = metas[metas.length - 1]!.lastOffset + 1;
    assert.ok(Number.isSafeInteger(next), 'offsets exhausted');
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
      get failure() { return log.ends.unhealthy; },
      exclusive: (fn) => this.exclusive(fn),
      activeSegment: () => this.segments.active,
      roll: (reason) => this.roll(reason),
      chunkWritten: (chunk, seg) => this.chunkWritten(chunk, seg),
      rewind: () => {
        this.nextOffset = this.ends.writtenEndOffset;
        this.cache.dropFrom(this.nextOffset);
      },
      fatal: (err) => this.ends.fail(err),
      wrote: () => { this.counters.writes++; },
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private chunkWritten(chunk: PendingAppend[], seg: Segment): void {
    // Cached before listeners hear of the new end: a woken fetch reads synchronously.
    for (const a of chunk) this.cache.add(a.buf, a.batches, seg.baseOffset);
    this.ends.chunkWritten(chunk, seg);
  }

  private notify(event: 'written' | 'durable', endOffset: number): void {
    try {
      this.emit(event, endOffset);
    } catch (err) {
      // A listener's bug must not break the write or flush path that moved the end.
      this.logger.error({ err, event }, 'log end listener threw');
    }
  }

  private async roll(reason: RollReason): Promise<Segment> {
    const old = this.segments.active;
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
      this.ends.fail(storageFailure(err, `${this.name}: sealing ${old.logPath} failed`));
      throw err;
    }
    this.segments.push(seg);
    this.counters.rolls++;
    this.ends.rolled(old);
    this.logger.debug({ reason, baseOffset: seg.baseOffset, previousBytes: old.size }, 'rolled new segment');
    return seg;
  }

  // ---- durability --------------------------------------------------------------------------------

  /** fdatasync everything appended so far (waiting for queued appends to be written first). */
  async flush(): Promise<void> {
    if (this.closed) return;
    if (this.ends.unhealthy) throw this.ends.unhealthy;
    const last = this.writer.last();
    if (last) await last.written.promise.catch(() => undefined);
    await this.ends.requestFlush();
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

  /** The caller's bound, never past what is in the file. */
  private bound(maxOffsetExclusive: number): number {
    return Math.min(maxOffsetExclusive, this.ends.writtenEndOffset);
  }

  /**
   * Whole batches from the one containing `offset` (or, in a compacted log, the first one after
   * it when `offset` was removed), up to `maxBytes` but at least one batch, only batches ending
   * below `maxOffsetExclusive` (and the written end). Throws
   * OffsetOutOfRangeError outside [logStartOffset, logEndOffset]; returns no records from the
   * bound on.
   */
  async read(offset: number, maxBytes: number, maxOffsetExclusive: number): Promise<LogReadResult> {
    if (this.closed) throw new StorageError(`${this.name} is closed`);
    this.checkRange(offset);
    const bound = this.bound(maxOffsetExclusive);
    // Header-only batches alone are not an answer while records follow them (headerOnlyEnd).
    for (let from = offset; ;) {
      const res = await this.readAt(from, maxBytes, bound);
      const skipTo = res.records.length === 0 ? -1 : headerOnlyEnd(res.records);
      if (skipTo < 0 || skipTo >= bound) return res;
      res.release();
      from = skipTo;
    }
  }

  /** read() at `offset`, header-only batches included; `bound` is already this.bound()'s. */
  private async readAt(offset: number, maxBytes: number, bound: number): Promise<LogReadResult> {
    if (offset >= bound) return EMPTY_READ;
    const verifyCrc = this.config.verifyCrcOnRead ?? VERIFY_CRC_ON_READ_DEFAULT;
    const cached = this.cache.read(offset, maxBytes, bound, verifyCrc);
    if (cached !== undefined) {
      this.counters.cacheReads++;
      return { records: cached, release: noop };
    }
    this.counters.fileReads++;
    let from = offset;
    for (;;) {
      const seg = this.segments.segmentFor(from);
      let records: Buffer | null;
      seg.acquire();
      try {
        await seg.loadIndexes();
        records = await readFromSegment(seg, from, maxBytes, bound, {
          verifyCrc,
          indexIntervalBytes: this.config.indexIntervalBytes,
          name: this.name,
        });
      } catch (err) {
        throw readFailure(err, this.name);
      } finally {
        seg.release();
      }
      // The batch holding `offset` reaches past the bound: nothing may be served yet.
      if (records === null) return EMPTY_READ;
      if (records.length > 0) {
        const served = records;
        return { records: served, release: () => releaseReadBuffer(served) };
      }
      // Nothing at or after `from` in this segment. A compacted segment may end in a removed
      // range (the cleaner keeps a batch at each cleaned segment's end, so only segments cleaned
      // by something else would): the next surviving record is in the next segment.
      const next = this.segments.after(seg.baseOffset);
      if (seg.sealed && next !== undefined) {
        if (next.baseOffset >= bound) return EMPTY_READ;
        from = next.baseOffset;
        continue;
      }
      // Below the written end some batch must hold the offset: its bytes are missing.
      throw new CorruptLogError(`${this.name}: no batch holds offset ${offset} in ${seg.logPath} (below the written end ${bound})`);
    }
  }

  /** First offset whose record timestamp is >= `timestampMs`, in batches ending below the bound. */
  offsetForTimestamp(timestampMs: number, maxOffsetExclusive: number): Promise<{ offset: number; timestamp: number } | null> {
    return findTimestampInLog(this.segments, timestampMs, this.bound(maxOffsetExclusive), this.name);
  }

  /** Headers of the batches from the one containing `fromOffset`, ending below the bound. */
  scanBatchHeaders(fromOffset: number, maxOffsetExclusive: number): AsyncIterable<BatchHeader> {
    return logHeaders(this.segments, fromOffset, this.bound(maxOffsetExclusive), this.name);
  }

  // ---- maintenance -------------------------------------------------------------------------------

  /** Rolls the active segment if it is older than segmentMs (or maxCompactionLagMs; called periodically). */
  async maybeRoll(nowMs = Date.now()): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed || this.ends.unhealthy) return;
      const active = this.segments.active;
      if (active.size > 0 && nowMs - active.rollBaseMs > rollAgeMs(this.config)) await this.roll('age');
    });
  }

  /**
   * Deletes whole sealed segments past retention (time: newest record older than retentionMs;
   * size: while the log minus the segment stays at or above retentionBytes), oldest first,
   * never the active one nor one ending past `retentionLimit()`. Moves logStartOffset. Returns
   * the number of segments deleted.
   */
  async deleteRetainedSegments(nowMs = Date.now()): Promise<number> {
    // Under cleanup.policy=compact alone the cleaner decides what goes, never retention.
    if (!deletesByRetention(this.config)) return 0;
    if (this.config.retentionMs >= 0) {
      await learnMaxTimestamps(this.segments.all().slice(0, -1), nowMs, this.config.retentionMs, () => this.closed);
    }
    const victims = await this.exclusive(async () => {
      if (this.closed) return [];
      const limit = this.retentionLimit();
      let deletable = 0;
      while (deletable + 1 < this.segments.count && this.segments.at(deletable + 1).baseOffset <= limit) deletable++;
      const count = selectRetainedSegments(this.segments.all().slice(0, deletable), this.sizeBytes, this.config, nowMs);
      const deleted = this.segments.removeOldest(count);
      this.cache.dropBefore(this.logStartOffset);
      return deleted;
    });
    if (victims.length === 0) return 0;
    this.logger.info({ segments: victims.length, logStartOffset: this.logStartOffset }, 'deleted segments past retention');
    await this.deleteSegments(victims);
    await fsyncDir(this.dir);
    return victims.length;
  }

  private async deleteSegments(segments: readonly Segment[]): Promise<void> {
    for (const s of segments) {
      this.ends.forget(s);
      await s.delete();
    }
  }

  // ---- compaction (the log cleaner, cleaner/) ------------------------------------------------

  /**
   * Sealed segments the cleaner may rewrite, oldest first: those ending at or below
   * `retentionLimit()` (what consumers have been allowed to see), never the active one.
   */
  cleanableSegments(): Segment[] {
    const all = this.segments.all();
    const limit = this.retentionLimit();
    let n = 0;
    while (n + 1 < all.length && all[n + 1]!.baseOffset <= limit) n++;
    return all.slice(0, n);
  }

  /** An empty segment under the `.cleaned` suffix for the cleaner to write (stale ones removed first). */
  async createCleanedSegment(baseOffset: number): Promise<Segment> {
    await removeCleanedFiles(this.dir, baseOffset);
    return Segment.create(this.dir, baseOffset, this.ctx, CLEANED_SUFFIX);
  }

  /**
   * Puts the cleaned files in place of `olds`, on the serial chain (cleaner/segment-swap.ts).
   * Returns the retired segments (for deleteRetired), or null when the log changed meanwhile
   * and nothing was swapped.
   */
  swapCleaned(olds: readonly Segment[], cleaned: CleanedFiles, faults?: SwapFaults): Promise<Segment[] | null> {
    return this.exclusive(async () => {
      if (this.closing || this.ends.unhealthy || this.truncating > 0) {
        await removeCleanedFiles(this.dir, cleaned.baseOffset);
        return null;
      }
      const retired = await swapCleanedSegment({
        dir: this.dir, name: this.name, logger: this.logger, segments: this.segments,
        openSegment: (base) => Segment.openExisting(this.dir, base, this.ctx),
        fatal: (err) => this.ends.fail(storageFailure(err, `${this.name}: a segment swap failed after it committed`)),
      }, olds, cleaned, faults);
      if (retired === null) return null;
      for (const s of retired) this.ends.forget(s);
      // The tail cache may still hold the replaced batches: readers go to the cleaned file.
      this.cache.dropBefore(cleaned.nextOffset);
      // A flush pass that began before the swap may still sync a retired segment's handle.
      await this.ends.flushIdle();
      return retired;
    });
  }

  /** Shrinks and removes the files of segments a swap retired, once their readers are done. */
  async deleteRetired(segments: readonly Segment[]): Promise<void> {
    for (const s of segments) await s.delete();
  }

  /**
   * Drops everything at and after `offset`, in whole batches: the batch containing `offset` goes
   * too, so logEndOffset becomes that batch's base offset. Appends made while it runs throw.
   * An offset at or below logStartOffset empties the log, which then starts at logStartOffset.
   * Returns the new logEndOffset.
   */
  async truncateTo(offset: number): Promise<number> {
    assert.ok(Number.isSafeInteger(offset) && offset >= 0, 'truncation offset must be a non-negative integer');
    return this.truncation(async () => {
      if (offset >= this.nextOffset) return;
      const target = Math.max(offset, this.logStartOffset);
      const { kept: seg, removed: victims } = this.segments.removeAfter(target);
      const newEnd = await seg.truncateTo(target);
      await this.deleteSegments(victims);
      if (victims.length > 0) await fsyncDir(this.dir);
      this.resetEnd(seg, newEnd);
      this.logger.info({ offset, logEndOffset: newEnd, segmentsDeleted: victims.length }, 'log truncated');
    });
  }

  /**
   * Deletes every segment and starts an empty log at `offset` (a replica whose log has nothing
   * in common with its leader's, or is behind the leader's log start). The active segment is
   * replaced last, so a crash part-way leaves a log that still starts with whole segments.
   * Returns `offset`, the new logStartOffset and logEndOffset.
   */
  async truncateFullyAndStartAt(offset: number): Promise<number> {
    assert.ok(Number.isSafeInteger(offset) && offset >= 0, 'start offset must be a non-negative integer');
    return this.truncation(async () => {
      const old = this.segments.all();
      const last = old.pop()!;
      this.segments.replaceAll(last);
      await this.deleteSegments(old);
      // A segment named like the new one must be gone before the new file is created; otherwise
      // the old active segment goes last (Kafka's order: a crash part-way leaves either it or
      // the new empty segment, both whole logs).
      const collides = last.baseOffset === offset;
      if (collides) await this.deleteSegments([last]);
      const seg = await Segment.create(this.dir, offset, this.ctx);
      await fsyncDir(this.dir);
      this.segments.replaceAll(seg);
      if (!collides) {
        await this.deleteSegments([last]);
        await fsyncDir(this.dir);
      }
      this.resetEnd(seg, offset, true);
      this.logger.info({ logStartOffset: offset, segmentsDeleted: old.length + 1 }, 'log truncated fully');
    });
  }

  /** Runs a truncation on the serial chain with appends refused; returns the new log end. */
  private async truncation(body: () => Promise<void>): Promise<number> {
    this.truncating++;
    try {
      await this.exclusive(async () => {
        if (this.closed) throw new StorageError(`${this.name} is closed`);
        await this.ends.flushIdle();
        this.ends.beginTruncation();
        // Before the first await that changes files: from here on reads go to the file path.
        this.cache.clear();
        await body();
      });
      return this.nextOffset;
    } finally {
      this.truncating--;
    }
  }

  /** After a truncation: the ends move back to `newEnd` in `seg`; appends waiting past it fail. */
  private resetEnd(seg: Segment, newEnd: number, startsOver = false): void {
    this.nextOffset = newEnd;
    this.ends.truncated(seg, newEnd, new StorageError(`${this.name} was truncated to ${newEnd}`), startsOver);
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
    this.ends.rejectAwaiting(err);
    await this.chain;
    await this.ends.flushIdle();
    for (const s of this.segments.all()) await s.abandon();
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
      let failure: unknown = this.ends.unhealthy;
      if (!failure) {
        try {
          await this.ends.requestFlush();
        } catch (err) {
          failure = err;
        }
      }
      await this.ends.flushIdle();
      for (const s of this.segments.all()) {
        if (failure) {
          await s.abandon();
          continue;
        }
        try {
          await s.close();
        } catch (err) {
          failure = err;
          this.ends.fail(storageFailure(err, `${this.name}: closing ${s.logPath} failed`));
          await s.abandon();
        }
      }
      this.closed = true;
      this.cache.clear();
      if (failure) throw toStorageError(failure, `${this.name}: close failed`);
    });
  }
}
