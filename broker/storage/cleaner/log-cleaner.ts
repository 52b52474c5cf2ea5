/**
 * The background log cleaner (Kafka's LogCleaner, one thread's worth): compacts the logs whose
 * config says cleanup.policy=compact (or compact,delete), the dirtiest first, one pass at a time.
 *
 * A pass over one log:
 *   1. plan (cleaning-plan.ts, here on the broker's thread): the cleanable sealed segments, the
 *      first dirty offset (from the source's cleaner checkpoint), whether the log is due;
 *   2. map (offset-map-builder.ts, on the worker thread): key → latest offset over the dirty
 *      part, bounded by the offset map's memory (`--cleaner-buffer-bytes`); where it stopped is
 *      `mapEnd`;
 *   3. rewrite (clean-group.ts, on the worker thread): every segment from the log start up to
 *      `mapEnd`, in groups of at most segment.bytes, each into one cleaned segment under the
 *      `.cleaned` names, oldest group first; a group that would come out unchanged is skipped;
 *   4. swap (segment-swap.ts, here, on the log's serial chain): each written group is swapped in
 *      crash-safely before the worker starts the next one, and readers move to it;
 *   5. the first dirty offset becomes `mapEnd`, and the source's checkpoint is written.
 * If the log changed meanwhile (retention, truncation, deletion) the pass stops at the group it
 * was on; what was swapped stays swapped and the checkpoint is left alone, so the next pass
 * starts over from the same first dirty offset.
 *
 * Why a worker thread (cleaner-worker.ts): reading, decoding, hashing keys and copying records
 * is CPU work of the order of a second per 100 MiB, and on the broker's event loop, even cut
 * into 2 ms slices, it moved the fsync-before-ack produce p99 from 0.8 to 4 ms (issue 15). What
 * stays here is cheap: planning, renames and fsyncs of the swap, bookkeeping.
 *
 * Sources: every LogManager whose logs the cleaner looks after (the broker's, and the
 * consumer-offsets store's), each keeping its own cleaner checkpoint.
 *
 * Concurrency: passes are serial (one worker, one offset map), at most CLEANER_PASSES_QUEUED_MAX
 * waiting. The cleaner touches a log's files only through the log's own cleaner methods, which
 * swap on the log's serial chain, and through the worker, which only reads sealed segments and
 * writes `.cleaned` files. stop() ends the running pass at its next slice and ends the worker.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { LocalLog } from '../local-log.js';
import { isCompacted } from '../log-config.js';
import { NO_TIMESTAMP, type Segment } from '../segment.js';
import { LimitExceededError } from '../../../proto/errors.js';
import { CleaningAborted } from './cleaner-pace.js';
import { CleanerWorker, type CleanerThreadInfo, type GroupMessage } from './cleaner-worker-client.js';
import { planCleaning, type CleaningPlan } from './cleaning-plan.js';
import type { GroupStats } from './clean-group.js';
import {
  CLEANER_BACKOFF_MS, CLEANER_BUFFER_BYTES_DEFAULT, CLEANER_IO_BYTES_PER_SECOND_DEFAULT, CLEANER_PASSES_QUEUED_MAX, CLEANER_RETRY_MS,
  CLEANER_WORKER_POLL_MS,
} from './constants.js';
import type { SwapFaults } from './segment-swap.js';
import type { CleanerThreadPriority } from './thread-priority.js';

/** A set of logs the cleaner looks after, with their cleaner checkpoint (a LogManager). */
export interface CleanerSource {
  readonly dataDir: string;
  logs(): Iterable<LocalLog>;
  /** Offset from which the log has not been cleaned yet; undefined when never cleaned. */
  firstDirtyOffset(log: LocalLog): number | undefined;
  setFirstDirtyOffset(log: LocalLog, offset: number): void;
  writeCleanerCheckpoint(): Promise<void>;
}

export interface LogCleanerOptions {
  logger: Logger;
  /** Memory of the key → offset map. @default CLEANER_BUFFER_BYTES_DEFAULT (32 MiB) */
  bufferBytes?: number;
  /** Read and write budget; 0 is unlimited. @default CLEANER_IO_BYTES_PER_SECOND_DEFAULT (32 MiB/s) */
  ioBytesPerSecond?: number;
  /** Pause between looks when no log needed cleaning. @default CLEANER_BACKOFF_MS */
  backoffMs?: number;
  /** Wall clock for tombstone and lag rules (tests move it). @default Date.now */
  now?: () => number;
  /**
   * CPU priority of the worker thread: 'idle' moves it to SCHED_IDLE (Linux; nice 19 where chrt
   * is missing), so it only uses cores the broker's threads leave free (thread-priority.ts);
   * 'normal' keeps the broker's (benchmarks compare the two). @default 'idle'
   */
  threadPriority?: CleanerThreadPriority;
  /** Tests only: called at each step of cleaning and swapping. */
  faults?: SwapFaults;
}

/** What one pass did. */
export interface CleanerPassStats extends GroupStats {
  readonly topic: string;
  readonly partition: number;
  readonly firstDirtyOffset: number;
  readonly mapEnd: number;
  readonly recordsMapped: number;
  readonly groups: number;
  readonly swapped: number;
  readonly durationMs: number;
  /** Time of the pass spent waiting for the I/O budget. */
  readonly throttledMs: number;
  /** True when the log changed under the pass (or the cleaner stopped) and it ended early. */
  readonly aborted: boolean;
}

/** Totals since start, for metrics and the benchmark. */
export interface CleanerTotals {
  passes: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsKept: number;
  busyMs: number;
  throttledMs: number;
  failures: number;
}

export class LogCleaner {
  readonly totals: CleanerTotals = { passes: 0, bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, busyMs: 0, throttledMs: 0, failures: 0 };
  private readonly sources = new Set<CleanerSource>();
  private readonly logger: Logger;
  private readonly worker: CleanerWorker;
  private readonly backoffMs: number;
  private readonly now: () => number;
  private readonly faults: SwapFaults | undefined;
  /** Logs whose last pass failed, and when they may be tried again. */
  private readonly failedUntil = new WeakMap<LocalLog, number>();
  private chain: Promise<unknown> = Promise.resolve();
  /** Passes queued on the chain, the running one included. */
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private readonly deleting = new Set<Promise<void>>();

  constructor(opts: LogCleanerOptions) {
    this.logger = opts.logger.child({ component: 'cleaner' });
    // The worker thread (and its offset map) starts with the first pass: a broker without
    // compacted topics never pays for it.
    this.worker = new CleanerWorker({
      logger: this.logger,
      bufferBytes: opts.bufferBytes ?? CLEANER_BUFFER_BYTES_DEFAULT,
      ioBytesPerSecond: opts.ioBytesPerSecond ?? CLEANER_IO_BYTES_PER_SECOND_DEFAULT,
      threadPriority: opts.threadPriority ?? 'idle',
    });
    this.backoffMs = opts.backoffMs ?? CLEANER_BACKOFF_MS;
    this.now = opts.now ?? Date.now;
    this.faults = opts.faults;
  }

  /** Whether the cleaner's worker thread is running (it starts with the first pass). */
  get workerAlive(): boolean {
    return this.worker.alive;
  }

  /** The worker thread's Linux id and CPU priority while it runs (tests, the benchmark). */
  get workerThread(): CleanerThreadInfo | null {
    return this.worker.threadInfo;
  }

  addSource(source: CleanerSource): void {
    this.sources.add(source);
  }

  removeSource(source: CleanerSource): void {
    this.sources.delete(source);
  }

  /** Starts looking for dirty logs in the background (the timer does not keep the process alive). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule(this.backoffMs);
  }

  /**
   * Stops the background loop, ends a running pass at its next slice, waits for file deletions,
   * and terminates the worker thread.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.worker.abort();
    await this.loop;
    await this.chain;
    await Promise.allSettled([...this.deleting]);
    await this.worker.close();
  }

  /** Cleans the dirtiest due log, if any; null when no log is due. */
  cleanDirtiest(): Promise<CleanerPassStats | null> {
    return this.serial(async () => {
      const pick = this.dirtiest();
      return pick ? this.pass(pick.log, pick.source, pick.plan) : null;
    });
  }

  /** One pass over `log` whether it is due or not (tests and tools); null when nothing is dirty. */
  cleanLog(log: LocalLog, source: CleanerSource): Promise<CleanerPassStats | null> {
    return this.serial(async () => {
      const plan = this.planFor(log, source);
      return plan ? this.pass(log, source, plan) : null;
    });
  }

  /** How dirty each compacted log is, for tests, metrics and `topic describe`. */
  dirtiness(): Array<{ topic: string; partition: number; dirtyRatio: number; dirtyBytes: number; due: boolean }> {
    const out = [];
    for (const source of this.sources) {
      for (const log of source.logs()) {
        const plan = this.planFor(log, source);
        if (plan) out.push({ topic: log.topic, partition: log.partition, dirtyRatio: plan.dirtyRatio, dirtyBytes: plan.dirtyBytes, due: plan.due });
      }
    }
    return out;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.queued > CLEANER_PASSES_QUEUED_MAX) {
      return Promise.reject(new LimitExceededError(`more than ${CLEANER_PASSES_QUEUED_MAX} cleaning passes are waiting`));
    }
    this.queued++;
    const run = this.chain.then(fn).finally(() => {
      this.queued--;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.loop = this.runLoop().finally(() => { this.loop = null; });
    }, ms);
    this.timer.unref();
  }

  private async runLoop(): Promise<void> {
    let cleaned = false;
    try {
      // Passes back to back while logs are due; the backoff only once none is.
      while (!this.stopped && (await this.cleanDirtiest()) !== null) cleaned = true;
    } catch (err) {
      this.logger.error({ err }, 'cleaner loop failed');
    }
    if (!this.stopped) this.schedule(cleaned ? 0 : this.backoffMs);
  }

  private dirtiest(): { log: LocalLog; source: CleanerSource; plan: CleaningPlan } | null {
    let best: { log: LocalLog; source: CleanerSource; plan: CleaningPlan } | null = null;
    const now = this.now();
    for (const source of this.sources) {
      for (const log of source.logs()) {
        if ((this.failedUntil.get(log) ?? 0) > now) continue;
        const plan = this.planFor(log, source);
        if (!plan?.due) continue;
        // Logs past max.compaction.lag.ms first, then the highest dirty ratio.
        if (!best || (plan.lagExceeded && !best.plan.lagExceeded)
          || (plan.lagExceeded === best.plan.lagExceeded && plan.dirtyRatio > best.plan.dirtyRatio)) {
          best = { log, source, plan };
        }
      }
    }
    return best;
  }

  private firstDirty(log: LocalLog, source: CleanerSource): number {
    return Math.max(source.firstDirtyOffset(log) ?? 0, log.logStartOffset);
  }

  private planFor(log: LocalLog, source: CleanerSource): CleaningPlan | null {
    if (log.isClosed || !log.healthy || !isCompacted(log.config)) return null;
    const segments = log.cleanableSegments();
    if (segments.length === 0) return null;
    return planCleaning(segments, this.firstDirty(log, source), log.config, this.now());
  }

  private async pass(log: LocalLog, source: CleanerSource, firstPlan: CleaningPlan): Promise<CleanerPassStats> {
    const started = performance.now();
    const firstDirty = this.firstDirty(log, source);
    const stats: GroupStats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsKept: 0, batchesRead: 0, batchesKept: 0 };
    let mapEnd = firstDirty;
    let recordsMapped = 0;
    let groups = 0;
    let swapped = 0;
    let aborted = false;
    let throttledMs = 0;
    let segments: Segment[] = [];
    /** An error of this thread's part (the swap, a test's fault): a failure whatever the log did. */
    let swapError: unknown;
    // The worker cannot see the log: stop the pass when the log closes under it.
    const watch = setInterval(() => {
      if (log.isClosed) this.worker.abort();
    }, CLEANER_WORKER_POLL_MS);
    watch.unref();
    try {
      // A pass queued behind the one stop() interrupted must not start (run() resets the worker's stop flag).
      if (this.stopped) throw new CleaningAborted('the cleaner is stopping');
      const config = log.config;
      segments = log.cleanableSegments();
      if (config.minCompactionLagMs > 0) await learnMaxTimestamps(segments.slice(firstPlan.dirtyIndex));
      const plan = planCleaning(segments, firstDirty, config, this.now()) ?? firstPlan;
      segments = segments.slice(0, plan.endIndex);
      const olds = segments;
      const result = await this.worker.run({
        dir: log.dir,
        segments: olds.map((s) => ({ logPath: s.logPath, baseOffset: s.baseOffset, nextOffset: s.nextOffset, size: s.writtenBytes })),
        dirtyIndex: plan.dirtyIndex, firstDirty, seed: randomInt(0x7fff_ffff), nowMs: this.now(), deleteRetentionMs: config.deleteRetentionMs,
        indexIntervalBytes: config.indexIntervalBytes, segmentBytes: config.segmentBytes, segmentIndexBytes: config.segmentIndexBytes,
        reportSteps: this.faults?.step !== undefined, exitAt: this.faults?.workerExitAt?.(),
      }, {
        mapped: (m) => {
          mapEnd = m.mapEnd;
          recordsMapped = m.recordsMapped;
          stats.bytesRead += m.bytesRead;
        },
        group: async (g) => {
          groups++;
          for (const k of Object.keys(stats) as Array<keyof GroupStats>) stats[k] += g.stats[k];
          let outcome;
          try {
            outcome = await this.swapGroup(log, olds.slice(g.start, g.end), g);
          } catch (err) {
            swapError = err;
            throw err;
          }
          if (outcome === 'aborted') aborted = true;
          if (outcome === 'swapped') swapped++;
          return outcome !== 'aborted' && !this.stopped && !log.isClosed;
        },
        step: async (step) => {
          try {
            await this.faults?.step?.(step, log.dir);
          } catch (err) {
            swapError = err;
            throw err;
          }
        },
      });
      throttledMs = result.throttledMs;
      if (this.stopped || log.isClosed) aborted = true;
      if (!aborted) {
        source.setFirstDirtyOffset(log, mapEnd);
        await source.writeCleanerCheckpoint();
      }
    } catch (err) {
      // A read of a segment that retention or a truncation took away fails in the worker: the
      // log changed under the pass, which is an abort, not a failure.
      const changed = err !== swapError && (log.isClosed || segments.some((s) => s.deleted));
      if (!(err instanceof CleaningAborted) && !changed) {
        this.totals.failures++;
        this.failedUntil.set(log, this.now() + CLEANER_RETRY_MS);
        this.logger.error({ err, topic: log.topic, partition: log.partition }, 'cleaning failed; the log is skipped for a while');
        throw err;
      }
      aborted = true;
    } finally {
      clearInterval(watch);
    }
    const durationMs = performance.now() - started;
    const result: CleanerPassStats = {
      ...stats, topic: log.topic, partition: log.partition, firstDirtyOffset: firstDirty, mapEnd, recordsMapped, groups, swapped,
      durationMs, throttledMs, aborted,
    };
    this.count(result);
    this.logger.info({ ...result, mbPerSecond: Number((stats.bytesRead / 1e6 / Math.max(durationMs / 1000, 1e-3)).toFixed(1)) },
      aborted ? 'cleaning pass ended early' : 'log cleaned');
    return result;
  }

  /** Swaps a group's cleaned segment (written by the worker) in. */
  private async swapGroup(log: LocalLog, group: readonly Segment[], g: GroupMessage): Promise<'swapped' | 'unchanged' | 'aborted'> {
    if (g.outcome === 'unchanged') return 'unchanged';
    if (g.outcome === 'mismatch') {
      this.logger.warn({ topic: log.topic, partition: log.partition, base: g.baseOffset, groupEnd: g.groupEnd, cleanedEnd: g.nextOffset },
        'cleaned segment does not end where the group does; not swapped');
      return 'aborted';
    }
    const retired = await log.swapCleaned(group, { baseOffset: g.baseOffset, nextOffset: g.groupEnd }, this.faults);
    if (retired === null) return 'aborted';
    const deletion = log.deleteRetired(retired).catch((err: unknown) => {
      this.logger.warn({ err, topic: log.topic, partition: log.partition }, 'removing replaced segments failed; they go at the next start');
    });
    this.deleting.add(deletion);
    void deletion.finally(() => this.deleting.delete(deletion));
    return 'swapped';
  }

  private count(r: CleanerPassStats): void {
    const t = this.totals;
    t.passes++;
    t.bytesRead += r.bytesRead;
    t.bytesWritten += r.bytesWritten;
    t.recordsRead += r.recordsRead;
    t.recordsKept += r.recordsKept;
    t.busyMs += r.durationMs;
    t.throttledMs += r.throttledMs;
  }
}

/** min.compaction.lag.ms needs each dirty segment's newest timestamp: load the indexes that know it. */
async function learnMaxTimestamps(segments: readonly Segment[]): Promise<void> {
  for (const s of segments) {
    if (s.deleted || s.maxTimestamp !== NO_TIMESTAMP) continue;
    s.acquire();
    try {
      await s.loadIndexes();
    } finally {
      s.release();
    }
  }
}
