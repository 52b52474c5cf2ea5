/**
 * Removes partition directories that were renamed aside for deletion (`<topic>-<n>.<ms>-delete`,
 * see LogManager.deleteLogs), in the background and a step at a time, so that deleting a big
 * topic never stalls the other partitions' fdatasyncs. Each file is shrunk with truncateInSteps
 * (LOG_DELETE_STEP_BYTES per truncate, LOG_DELETE_STEP_PAUSE_MS apart: the same pacing as
 * retention deletes, whose measurements are in file-io.ts) before its unlink, files one after
 * another with a pause between them; the emptied directory is removed last.
 *
 * Crash safety: nothing here needs to be atomic. A directory renamed aside belongs to no topic
 * (its name does not parse as a partition directory), so a crash at any step leaves a leftover
 * that the next start hands back to a deleter (LogManager.open), which carries on from whatever
 * is left: files already shrunk or gone, or the bare directory.
 *
 * Bounds: the queue holds each renamed directory once, so it is bounded by the partitions the
 * broker holds (maxTopics × maxPartitionsPerTopic); one directory is worked on at a time.
 * Failures (EIO...) are logged; the directory is tried again after DIR_DELETE_RETRY_MS, and at
 * the next start at the latest.
 *
 * Concurrency: event-loop only; stop() ends the work at its next step and waits for it.
 */
import { open, readdir, rm, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { DIR_DELETE_RETRY_MS, LOG_DELETE_STEP_BYTES, LOG_DELETE_STEP_PAUSE_MS } from './constants.js';
import { truncateInSteps } from './file-io.js';

export interface DirDeleterOptions {
  logger: Logger;
  /** Bytes removed per truncate step. @default LOG_DELETE_STEP_BYTES */
  stepBytes?: number;
  /** Pause between steps (and between files). @default LOG_DELETE_STEP_PAUSE_MS */
  pauseMs?: number;
}

/** Thrown inside a deletion to end it early when the deleter stops. */
class Stopped extends Error {}

export class DirDeleter {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly logger: Logger;
  private readonly stepBytes: number;
  private readonly pauseMs: number;
  /** Directories removed since start, for tests and stats. */
  removed = 0;

  constructor(opts: DirDeleterOptions) {
    this.logger = opts.logger;
    this.stepBytes = opts.stepBytes ?? LOG_DELETE_STEP_BYTES;
    this.pauseMs = opts.pauseMs ?? LOG_DELETE_STEP_PAUSE_MS;
  }

  /** Directories waiting or being removed. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a directory (already renamed aside) for removal; a directory queued twice is removed once. */
  enqueue(dir: string): void {
    if (this.stopped || this.queued.has(dir)) return;
    this.queued.add(dir);
    this.queue.push(dir);
    this.running ??= this.drain().finally(() => { this.running = null; });
  }

  /** Resolves once every directory queued so far is gone (or the deleter stopped). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Ends the work at its next step; what is left is found again at the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const dir = this.queue[0]!;
      const started = Date.now();
      try {
        const bytes = await this.removeDir(dir);
        this.removed++;
        this.logger.info({ dir, bytes, durationMs: Date.now() - started }, 'removed a deleted partition directory');
      } catch (err) {
        if (err instanceof Stopped) return;
        this.logger.error({ err, dir }, 'removing a deleted partition directory failed; will retry');
        this.queue.shift();
        this.queued.delete(dir);
        setTimeout(() => this.enqueue(dir), DIR_DELETE_RETRY_MS).unref();
        continue;
      }
      this.queue.shift();
      this.queued.delete(dir);
    }
  }

  /** Shrinks and unlinks every file of `dir`, then removes it; resolves with the bytes freed. */
  private async removeDir(dir: string): Promise<number> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let bytes = 0;
    for (const name of names) {
      if (this.stopped) throw new Stopped();
      bytes += await this.removeFile(path.join(dir, name));
      await sleep(this.pauseMs);
    }
    await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return bytes;
  }

  private async removeFile(file: string): Promise<number> {
    let size = 0;
    try {
      const fh = await open(file, 'r+');
      try {
        size = (await fh.stat()).size;
        if (size > this.stepBytes) await truncateInSteps(fh, size, this.stepBytes, this.pauseMs);
      } finally {
        await fh.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 0;
      // Storage never makes subdirectories; should one be there, it goes whole.
      if (code === 'EISDIR') {
        await rm(file, { recursive: true, force: true });
        return 0;
      }
      throw err;
    }
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return size;
  }
}
