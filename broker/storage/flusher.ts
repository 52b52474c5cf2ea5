/**
 * Group commit: makes written log bytes durable with as few fdatasync calls as possible.
 *
 * A pass takes the set of segments with unsynced writes and the log position those writes
 * reach (the "mark"), fdatasyncs the segments in parallel and then reports the mark as durable.
 * Passes never overlap: while one runs, further writes accumulate and the next pass covers all
 * of them. kick() asks for a pass without waiting (the 'always' write path); request() returns a
 * promise for a pass that starts after the call (flush(), the interval timer, close()).
 *
 * After a failed fdatasync the page cache may have dropped the dirty pages (Linux "fsyncgate"):
 * retrying could report success for data that is gone, so the flusher breaks for good and every
 * later request fails until the log is reopened (and recovered).
 */
import { StorageError } from '../../proto/errors.js';
import { Deferred } from './file-io.js';
import type { Segment } from './segment.js';

export interface FlushTarget<Mark> {
  /** Takes the dirty segments (clearing their dirty flags) and the mark they reach. */
  takeDirty(): { mark: Mark; segments: Segment[] };
  /** Everything up to `mark` is durable. */
  flushed(mark: Mark): void;
  /** An fdatasync failed; the log must stop acknowledging. */
  flushFailed(err: StorageError): void;
  /**
   * Directories to fsync in the next pass that syncs segments, before those segments: a new
   * partition's entries (its directory, its first segment file) become durable with its first
   * flushed data instead of at creation, where they cost two fsyncs per partition for nothing.
   */
  syncPendingDirs?(): Promise<void>;
}

export class Flusher<Mark> {
  private running = false;
  private wanted = false;
  private waiters: Deferred[] = [];
  private broken: StorageError | undefined;
  private idleWaiters: Deferred[] = [];
  /** fdatasync passes that synced at least one file (for tests and metrics). */
  passes = 0;

  constructor(private readonly target: FlushTarget<Mark>) {}

  get failure(): StorageError | undefined {
    return this.broken;
  }

  /** Starts a pass soon if none is running; the running one is followed by another. */
  kick(): void {
    if (this.broken) return;
    this.wanted = true;
    if (!this.running) {
      this.run().catch((err: unknown) => {
        // Only a bug in a callback gets here; treat it like a failed sync rather than hang.
        this.running = false;
        this.broken ??= new StorageError(`flush pass failed: ${(err as Error).message}`, { cause: err });
        for (const w of this.waiters) w.reject(this.broken);
        this.waiters = [];
        for (const w of this.idleWaiters) w.resolve();
        this.idleWaiters = [];
        this.target.flushFailed(this.broken);
      });
    }
  }

  /** Resolves after a pass that started after this call has completed. */
  request(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const d = new Deferred();
    this.waiters.push(d);
    this.kick();
    return d.promise;
  }

  /** Resolves when no pass is running (used before closing files). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    const d = new Deferred();
    this.idleWaiters.push(d);
    return d.promise;
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.wanted && !this.broken) {
      this.wanted = false;
      const waiters = this.waiters;
      this.waiters = [];
      const { mark, segments } = this.target.takeDirty();
      for (const s of segments) s.acquire();
      try {
        if (segments.length > 0) {
          await this.target.syncPendingDirs?.();
          await Promise.all(segments.map((s) => s.sync()));
          this.passes++;
        }
      } catch (err) {
        this.broken = new StorageError(`fdatasync failed: ${(err as Error).message}`, { cause: err });
        this.target.flushFailed(this.broken);
        for (const w of waiters.concat(this.waiters)) w.reject(this.broken);
        this.waiters = [];
        break;
      } finally {
        for (const s of segments) s.release();
      }
      this.target.flushed(mark);
      for (const w of waiters) w.resolve();
    }
    this.running = false;
    for (const w of this.idleWaiters) w.resolve();
    this.idleWaiters = [];
  }
}
