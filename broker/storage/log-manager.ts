/**
 * All partition logs of one data directory, and the housekeeping that spans them.
 *
 * Layout: `${dataDir}/${topic}-${partition}/` per partition (segments inside), plus the
 * recovery-point checkpoint and the clean-shutdown marker (see checkpoint.ts). Which topics
 * exist is not storage's business: the broker calls openLog() for each partition it knows.
 *
 * Start-up: removes leftover temp files and hands directories renamed for deletion to the
 * background deleter (dir-deleter.ts), reads and durably removes the clean-shutdown marker,
 * reads the checkpoint. openLog() recovers a log from its
 * recovery point when the last run was unclean (from scratch if it has none).
 *
 * Periodic tasks (start()): interval flushes (per log's flushIntervalMs when flushPolicy is
 * 'interval'), age-based rolls, retention, and the recovery-point checkpoint. Each task never
 * overlaps with itself; failures are logged and retried at the next period.
 *
 * Shutdown (close()): stops the tasks, closes every log (flush, trim indexes), writes the
 * checkpoint and, only if every log closed cleanly, the clean-shutdown marker.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { BrokerShuttingDownError } from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import {
  consumeCleanShutdownMarker, readCleanerCheckpoint, readRecoveryCheckpoint, writeCleanerCheckpoint, writeCleanShutdownMarker,
  writeRecoveryCheckpoint, type RecoveryPoints,
} from './checkpoint.js';
import type { CleanerSource } from './cleaner/log-cleaner.js';
import {
  CHECKPOINT_INTERVAL_MS, INDEX_CACHE_BYTES_MAX, MANAGER_TICK_MS, RETENTION_CHECK_INTERVAL_MS, ROLL_CHECK_INTERVAL_MS,
  TAIL_CACHE_BYTES_MAX, TAIL_CACHE_PARTITION_BYTES_MAX,
} from './constants.js';
import { fsyncDir, type FaultInjector } from './file-io.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.js';
import { DELETE_DIR_SUFFIX, isTempFileName, parsePartitionDirName, partitionDirName } from './log-files.js';
import { DirDeleter, type DirDeleterOptions } from './dir-deleter.js';
import { IndexCache } from './index-cache.js';
import { LocalLog } from './local-log.js';
import { TailCacheBudget } from './tail-cache-budget.js';
import type { StorageObserver } from './storage-observer.js';

export interface LogManagerIntervals {
  /** How often interval flushes are considered. @default MANAGER_TICK_MS */
  tickMs: number;
  /** @default ROLL_CHECK_INTERVAL_MS */
  rollCheckMs: number;
  /** @default RETENTION_CHECK_INTERVAL_MS */
  retentionCheckMs: number;
  /** @default CHECKPOINT_INTERVAL_MS */
  checkpointMs: number;
}

export interface LogManagerOptions {
  dataDir: string;
  logger: Logger;
  /** Config for logs opened without one. @default DEFAULT_LOG_CONFIG */
  defaultConfig?: LogConfig;
  /** Housekeeping periods; tests shorten them. */
  intervals?: Partial<LogManagerIntervals>;
  /** Tests only: passed to every LocalLog. */
  faults?: FaultInjector;
  /** Passed to every LocalLog: told of each fdatasync pass (metrics). */
  observer?: StorageObserver;
  /** Memory budgets of this manager's storage caches (its own, not shared with other managers). */
  memory?: Partial<StorageMemory>;
  /** Pacing of deleted topics' directory removal; tests and benchmarks slow or speed it. */
  dirDelete?: Pick<DirDeleterOptions, 'stepBytes' | 'pauseMs'>;
}

/** Budgets for the storage caches of one broker. */
export interface StorageMemory {
  /** Sealed segments' in-memory indexes, all partitions together. @default INDEX_CACHE_BYTES_MAX */
  indexCacheBytes: number;
  /** Tail caches of all partitions together; 0 turns tail caching off. @default TAIL_CACHE_BYTES_MAX */
  tailCacheBytes: number;
  /** One partition's tail cache; 0 turns tail caching off. @default TAIL_CACHE_PARTITION_BYTES_MAX */
  tailCachePartitionBytes: number;
}

export class LogManager implements CleanerSource {
  readonly dataDir: string;
  /** Whether the last run shut down cleanly. */
  readonly cleanShutdown: boolean;
  readonly defaultConfig: LogConfig;

  private readonly logger: Logger;
  private readonly intervals: LogManagerIntervals;
  private readonly faults: FaultInjector | undefined;
  private readonly observer: StorageObserver | undefined;
  private readonly indexCache: IndexCache;
  private readonly tailCacheBudget: TailCacheBudget;
  private readonly tailCachePartitionBytes: number;
  private readonly open = new Map<string, LocalLog>();
  private readonly opening = new Map<string, Promise<LocalLog>>();
  /** Recovery points from the checkpoint at start-up, kept for logs not opened yet. */
  private readonly recoveryPoints: RecoveryPoints;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly busy = new Set<string>();
  private readonly flushing = new Set<LocalLog>();
  private checkpointChain: Promise<void> = Promise.resolve();
  /** The cleaner's first dirty offset per compacted partition (cleaner-offset-checkpoint). */
  private readonly cleanerPoints: RecoveryPoints;
  private cleanerChain: Promise<void> = Promise.resolve();
  /** Removes deleted topics' directories in the background, stepwise (dir-deleter.ts). */
  private readonly dirDeleter: DirDeleter;
  private deleteSeq = 0;
  private closed = false;

  private constructor(opts: LogManagerOptions, logger: Logger, cleanShutdown: boolean, points: RecoveryPoints, cleanerPoints: RecoveryPoints) {
    this.dataDir = opts.dataDir;
    this.logger = logger;
    this.cleanShutdown = cleanShutdown;
    this.defaultConfig = opts.defaultConfig ?? { ...DEFAULT_LOG_CONFIG };
    this.faults = opts.faults;
    this.observer = opts.observer;
    this.recoveryPoints = points;
    this.cleanerPoints = cleanerPoints;
    this.dirDeleter = new DirDeleter({ logger, ...opts.dirDelete });
    this.indexCache = new IndexCache(opts.memory?.indexCacheBytes ?? INDEX_CACHE_BYTES_MAX);
    this.tailCacheBudget = new TailCacheBudget(opts.memory?.tailCacheBytes ?? TAIL_CACHE_BYTES_MAX);
    this.tailCachePartitionBytes = opts.memory?.tailCacheBytes === 0 ? 0 : opts.memory?.tailCachePartitionBytes ?? TAIL_CACHE_PARTITION_BYTES_MAX;
    this.intervals = {
      tickMs: opts.intervals?.tickMs ?? MANAGER_TICK_MS,
      rollCheckMs: opts.intervals?.rollCheckMs ?? ROLL_CHECK_INTERVAL_MS,
      retentionCheckMs: opts.intervals?.retentionCheckMs ?? RETENTION_CHECK_INTERVAL_MS,
      checkpointMs: opts.intervals?.checkpointMs ?? CHECKPOINT_INTERVAL_MS,
    };
  }

  /** Prepares the data directory; reads and removes the clean-shutdown marker, reads the checkpoint. */
  static async open(opts: LogManagerOptions): Promise<LogManager> {
    const logger = opts.logger.child({ component: 'storage' });
    await mkdir(opts.dataDir, { recursive: true });
    let removed = false;
    const deleting: string[] = [];
    for (const name of await readdir(opts.dataDir)) {
      const full = path.join(opts.dataDir, name);
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        // A topic delete the last run did not finish: carried on in the background, stepwise.
        deleting.push(full);
      } else if (isTempFileName(name)) {
        logger.warn({ path: full }, 'removing leftover from an interrupted operation');
        await rm(full, { recursive: true, force: true });
        removed = true;
      }
    }
    if (removed) await fsyncDir(opts.dataDir);
    if (deleting.length > 0) logger.warn({ dirs: deleting.length }, 'resuming the removal of deleted topics\' directories in the background');
    const cleanShutdown = await consumeCleanShutdownMarker(opts.dataDir);
    const checkpoint = await readRecoveryCheckpoint(opts.dataDir);
    if (checkpoint === 'garbled') {
      logger.warn({ dataDir: opts.dataDir }, 'recovery checkpoint is garbled; logs will recover from scratch if needed');
    }
    const points = typeof checkpoint === 'string' ? new Map() : checkpoint;
    const cleaner = await readCleanerCheckpoint(opts.dataDir);
    if (cleaner === 'garbled') logger.warn({ dataDir: opts.dataDir }, 'cleaner checkpoint is garbled; compacted logs will be cleaned from their start');
    logger.info({ dataDir: opts.dataDir, cleanShutdown, checkpointEntries: points.size }, 'log manager opened');
    const manager = new LogManager(opts, logger, cleanShutdown, points, typeof cleaner === 'string' ? new Map() : cleaner);
    for (const dir of deleting) manager.dirDeleter.enqueue(dir);
    return manager;
  }

  /**
   * Opens (creating if missing) the log of one partition in `${dataDir}/${topic}-${partition}`.
   * Recovers it from its recovery point if the last shutdown was unclean. Opening an open log
   * returns it with `config` applied.
   */
  /** Bytes the storage caches hold now, against their budgets (for stats and tests). */
  get memoryUse(): {
    indexCacheBytes: number; indexCacheBytesMax: number; tailCacheBytes: number; tailCacheBytesMax: number;
    indexCacheHits: number; indexCacheLoads: number; indexCacheUnloads: number;
  } {
    return {
      indexCacheBytes: this.indexCache.cachedBytes, indexCacheBytesMax: this.indexCache.bytesMax,
      indexCacheHits: this.indexCache.hits, indexCacheLoads: this.indexCache.loads, indexCacheUnloads: this.indexCache.unloadCount,
      tailCacheBytes: this.tailCacheBudget.bytes, tailCacheBytesMax: this.tailCacheBudget.bytesMax,
    };
  }

  async openLog(topic: string, partition: number, config: LogConfig = this.defaultConfig): Promise<LocalLog> {
    if (this.closed) throw new BrokerShuttingDownError('log manager is closed');
    const key = partitionDirName(topic, partition);
    const existing = this.open.get(key);
    if (existing) {
      existing.config = config;
      return existing;
    }
    let pending = this.opening.get(key);
    if (!pending) {
      pending = this.openLogOnce(key, topic, partition, config).finally(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return pending;
  }

  private async openLogOnce(key: string, topic: string, partition: number, config: LogConfig): Promise<LocalLog> {
    const dir = path.join(this.dataDir, key);
    let existed = true;
    try {
      await stat(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      existed = false;
      // A partition made anew never inherits the cleaning progress of a deleted one of its name.
      this.cleanerPoints.delete(key);
      await mkdir(dir, { recursive: true });
    }
    const recover = existed && !this.cleanShutdown;
    const log = await LocalLog.open({
      dir, topic, partition, config, logger: this.logger, recover,
      recoveryPoint: this.recoveryPoints.get(key)?.offset, faults: this.faults, observer: this.observer,
      indexCache: this.indexCache, tailCacheBudget: this.tailCacheBudget, tailCacheBytes: this.tailCachePartitionBytes,
      createdIn: existed ? undefined : this.dataDir,
    });
    this.open.set(key, log);
    return log;
  }

  getLog(topic: string, partition: number): LocalLog | undefined {
    return this.open.get(partitionDirName(topic, partition));
  }

  logs(): Iterable<LocalLog> {
    return this.open.values();
  }

  /**
   * Closes every partition log of `topic` and renames its directories aside (`-delete` names,
   * made durable by one fsync of the data directory), then returns: the files are removed in the
   * background, stepwise (dir-deleter.ts), so the caller answers at once and the topic's name
   * may be reused right away. A crash before the files are gone leaves renamed directories that
   * the next start goes on removing. With `onlyPartition`, that partition's directory alone.
   */
  async deleteLogs(topic: string, onlyPartition?: number): Promise<void> {
    const dirs = new Set<string>();
    for (const [key, log] of this.open) {
      if (log.topic !== topic || (onlyPartition !== undefined && log.partition !== onlyPartition)) continue;
      this.open.delete(key);
      dirs.add(key);
      await log.close().catch((err: unknown) => this.logger.warn({ err, topic }, 'closing a deleted log failed'));
    }
    if (onlyPartition !== undefined) {
      dirs.add(partitionDirName(topic, onlyPartition));
    } else {
      for (const name of await readdir(this.dataDir)) {
        if (parsePartitionDirName(name)?.topic === topic) dirs.add(name);
      }
    }
    const renamed: string[] = [];
    let cleanerPointsChanged = false;
    for (const name of dirs) {
      this.recoveryPoints.delete(name);
      cleanerPointsChanged = this.cleanerPoints.delete(name) || cleanerPointsChanged;
      const from = path.join(this.dataDir, name);
      // The sequence number keeps two deletes of one name in the same millisecond apart.
      const to = path.join(this.dataDir, `${name}.${Date.now()}.${this.deleteSeq++}${DELETE_DIR_SUFFIX}`);
      try {
        await rename(from, to);
        renamed.push(to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (cleanerPointsChanged) await this.writeCleanerCheckpoint();
    if (renamed.length === 0) return;
    await fsyncDir(this.dataDir);
    for (const dir of renamed) this.dirDeleter.enqueue(dir);
    this.logger.info({ topic, partitions: renamed.length }, 'deleted topic logs; their files go in the background');
  }

  /** Deleted topics' directories not removed yet. */
  get deletesPending(): number {
    return this.dirDeleter.pending;
  }

  /** Resolves once every deleted topic's directory queued so far is gone (tests and tools). */
  deletesSettled(): Promise<void> {
    return this.dirDeleter.settled();
  }

  // ---- CleanerSource --------------------------------------------------------------------------

  firstDirtyOffset(log: LocalLog): number | undefined {
    return this.cleanerPoints.get(partitionDirName(log.topic, log.partition))?.offset;
  }

  setFirstDirtyOffset(log: LocalLog, offset: number): void {
    this.cleanerPoints.set(partitionDirName(log.topic, log.partition), { topic: log.topic, partition: log.partition, offset });
  }

  /** Writes the cleaner checkpoint (serialised with itself). */
  writeCleanerCheckpoint(): Promise<void> {
    const run = this.cleanerChain.then(() => writeCleanerCheckpoint(this.dataDir, new Map(this.cleanerPoints)));
    this.cleanerChain = run.catch(() => undefined);
    return run;
  }

  /** Starts the periodic tasks (timers do not keep the process alive). */
  start(): void {
    if (this.timers.length > 0 || this.closed) return;
    const every = (ms: number, name: string, task: () => Promise<void>): void => {
      const t = setInterval(() => {
        if (this.busy.has(name) || this.closed) return;
        this.busy.add(name);
        task()
          .catch((err: unknown) => this.logger.error({ err, task: name }, 'storage task failed'))
          .finally(() => this.busy.delete(name));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.intervals.tickMs, 'flush', async () => this.flushDue(Date.now()));
    every(this.intervals.rollCheckMs, 'roll', async () => {
      for (const log of [...this.open.values()]) await log.maybeRoll();
    });
    every(this.intervals.retentionCheckMs, 'retention', async () => {
      for (const log of [...this.open.values()]) await log.deleteRetainedSegments();
    });
    every(this.intervals.checkpointMs, 'checkpoint', () => this.checkpoint());
  }

  /** Starts a flush of every 'interval' log whose last flush is older than its flushIntervalMs. */
  private flushDue(nowMs: number): void {
    for (const log of this.open.values()) {
      if (log.config.flushPolicy !== 'interval' || !log.healthy || this.flushing.has(log)) continue;
      if (nowMs - log.lastFlushTimeMs < log.config.flushIntervalMs) continue;
      this.flushing.add(log);
      log.flush()
        .catch((err: unknown) => this.logger.error({ err, topic: log.topic, partition: log.partition }, 'interval flush failed'))
        .finally(() => this.flushing.delete(log));
    }
  }

  /** Writes every log's recovery point to the checkpoint file (serialised with itself). */
  checkpoint(): Promise<void> {
    const run = this.checkpointChain.then(async () => {
      const points: RecoveryPoints = new Map(this.recoveryPoints);
      for (const [key, log] of this.open) {
        points.set(key, { topic: log.topic, partition: log.partition, offset: log.durableEndOffset });
      }
      await writeRecoveryCheckpoint(this.dataDir, points);
    });
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  /** Stops tasks, closes all logs, writes the checkpoint, then the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    // Stops at its next step: what is left is renamed aside, and the next start carries on.
    await this.dirDeleter.stop();
    await Promise.allSettled([...this.opening.values()]);
    const results = await Promise.allSettled([...this.open.values()].map((log) => log.close()));
    let clean = true;
    for (const r of results) {
      if (r.status === 'rejected') {
        clean = false;
        this.logger.error({ err: r.reason }, 'log did not close cleanly');
      }
    }
    await this.checkpoint();
    if (clean) await writeCleanShutdownMarker(this.dataDir);
    this.open.clear();
    this.logger.info({ clean }, 'log manager closed');
  }
}
