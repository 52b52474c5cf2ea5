/**
 * Where a local log's bytes have got to: the written end (in the file, the OS cache) and the
 * durable end (fsynced), the appends waiting to become durable, the segments with unsynced
 * writes, and the group-commit Flusher that moves the durable end. LocalLog owns one; this is
 * its bookkeeping, apart from its files and its reads.
 *
 * Marks: a LogMark says "everything before `offset` lies before `position` in `segment`". A
 * truncation starts a new generation; marks of an older one (a flush pass that started before
 * it) are ignored, so a durable end never jumps past a truncation point.
 *
 * Health: a failed fdatasync (or a failed write the writer cannot undo) makes the ends unhealthy
 * for good: appends waiting to become durable fail with that StorageError, and the owner stops
 * acknowledging until the log is reopened (see Flusher for why nothing is retried).
 *
 * Concurrency: event-loop only. chunkWritten/rolled run inside the owner's serial write path;
 * the flusher calls back between its passes. `onWritten`/`onDurable` run synchronously.
 */
import type { StorageError } from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { Flusher } from './flusher.js';
import type { FlushPolicy } from './log-config.js';
import type { PendingAppend } from './log-writer.js';
import type { Segment } from './segment.js';
import type { StorageObserver } from './storage-observer.js';

export interface LogMark {
  readonly offset: number;
  readonly segment: Segment;
  readonly position: number;
  /** Truncation generation the mark belongs to; stale marks are ignored. */
  readonly generation: number;
}

export interface LogEndsHost {
  readonly logger: Logger;
  readonly flushPolicy: FlushPolicy;
  /** The written end moved to `offset`. */
  onWritten(offset: number): void;
  /** The durable end moved to `offset`. */
  onDurable(offset: number): void;
  /** The ends became unhealthy: fail everything still queued for writing. */
  onUnhealthy(err: StorageError): void;
  /** fsyncs a directory (for `pendingDirSyncs`, before the first segment sync). */
  syncDir(dir: string): Promise<void>;
  /** Told of each fdatasync pass (metrics); absent: nobody watches. */
  readonly observer?: StorageObserver | undefined;
}

export class LogEnds {
  private writtenMark: LogMark;
  private durableMark: LogMark;
  private generation = 0;
  private awaitingDurable: PendingAppend[] = [];
  private readonly dirty = new Set<Segment>();
  private readonly flusher: Flusher<LogMark>;
  private failure: StorageError | undefined;
  private lastFlushMs = Date.now();
  /** Appends written since the last pass took the dirty segments, and what the running pass took (for the observer). */
  private appendsUnsynced = 0;
  private passAppends = 0;
  private passSegments = 0;
  private passStartedMs = 0;

  constructor(active: Segment, private readonly host: LogEndsHost, private pendingDirSyncs: string[] = []) {
    this.writtenMark = { offset: active.nextOffset, segment: active, position: active.size, generation: 0 };
    this.durableMark = this.writtenMark;
    this.flusher = new Flusher<LogMark>({
      takeDirty: () => this.takeDirty(),
      syncPendingDirs: async () => {
        for (const dir of this.pendingDirSyncs.splice(0)) await host.syncDir(dir);
      },
      flushed: (mark) => {
        this.observePass(true);
        this.flushed(mark);
      },
      flushFailed: (err) => {
        this.observePass(false);
        this.fail(err);
      },
    });
  }

  get writtenEndOffset(): number {
    return this.writtenMark.offset;
  }

  get durableEndOffset(): number {
    return this.durableMark.offset;
  }

  /** Why the log no longer acknowledges (a failed fsync), if it does not. */
  get unhealthy(): StorageError | undefined {
    return this.failure;
  }

  get lastFlushTimeMs(): number {
    return this.lastFlushMs;
  }

  /** fdatasync passes that synced at least one file. */
  get syncPasses(): number {
    return this.flusher.passes;
  }

  /** The appends of `chunk` are now in `seg`'s file, which ends at `seg.nextOffset`. */
  chunkWritten(chunk: readonly PendingAppend[], seg: Segment): void {
    this.writtenMark = { offset: seg.nextOffset, segment: seg, position: seg.size, generation: this.generation };
    this.dirty.add(seg);
    this.appendsUnsynced += chunk.length;
    for (const a of chunk) {
      a.written.resolve();
      if (a.durable !== a.written) this.awaitingDurable.push(a);
    }
    if (this.host.flushPolicy === 'always' || this.awaitingDurable.length > 0) this.flusher.kick();
    this.host.onWritten(this.writtenMark.offset);
  }

  /** `old` was sealed by a roll: flush its tail soon so the recovery point moves past it. */
  rolled(old: Segment): void {
    this.dirty.add(old);
    this.flusher.kick();
  }

  /** `seg` is being deleted: nothing of it needs syncing any more. */
  forget(seg: Segment): void {
    this.dirty.delete(seg);
  }

  /** Resolves after a flush pass that started after this call. */
  requestFlush(): Promise<void> {
    return this.flusher.request();
  }

  /** Resolves when no flush pass is running. */
  flushIdle(): Promise<void> {
    return this.flusher.idle();
  }

  /** A truncation begins (after flushIdle()): marks from before it are stale from now on. */
  beginTruncation(): void {
    this.generation++;
  }

  /**
   * A truncation ended at `newEnd` in `seg`: the ends move back; appends waiting past it fail
   * with `err`. `startsOver`: every segment was replaced by `seg`, empty, so nothing is left to
   * sync and the durable end is the new start even if that lies past the old one.
   */
  truncated(seg: Segment, newEnd: number, err: StorageError, startsOver = false): void {
    const mark: LogMark = { offset: newEnd, segment: seg, position: seg.size, generation: this.generation };
    this.writtenMark = mark;
    if (this.durableMark.offset > newEnd || startsOver) this.durableMark = mark;
    else this.durableMark = { ...this.durableMark, generation: this.generation };
    this.awaitingDurable = this.awaitingDurable.filter((a) => {
      if (a.lastOffset < newEnd) return true;
      a.durable.reject(err);
      return false;
    });
  }

  /** Makes the ends unhealthy for good (idempotent). */
  fail(err: StorageError): void {
    if (this.failure) return;
    this.failure = err;
    this.host.logger.error({ err }, 'fsync failed; log is unhealthy until reopened');
    this.rejectAwaiting(err);
    this.host.onUnhealthy(err);
  }

  /** Fails every append still waiting to become durable (abandon). */
  rejectAwaiting(err: Error): void {
    for (const a of this.awaitingDurable) a.durable.reject(err);
    this.awaitingDurable = [];
  }

  private takeDirty(): { mark: LogMark; segments: Segment[] } {
    const segments: Segment[] = [];
    for (const s of this.dirty) {
      if (!s.deleted) segments.push(s);
    }
    this.dirty.clear();
    if (this.host.observer) {
      this.passSegments = segments.length;
      this.passAppends = this.appendsUnsynced;
      this.appendsUnsynced = 0;
      this.passStartedMs = performance.now();
    }
    return { mark: this.writtenMark, segments };
  }

  /** Reports the pass that just ended, if it synced anything (one call per pass, not per append). */
  private observePass(ok: boolean): void {
    const observer = this.host.observer;
    if (!observer || this.passSegments === 0) return;
    this.passSegments = 0;
    try {
      observer.flushPass((performance.now() - this.passStartedMs) / 1000, this.passAppends, ok);
    } catch (err) {
      this.host.logger.error({ err }, 'storage observer threw');
    }
  }

  private flushed(mark: LogMark): void {
    if (mark.generation !== this.generation) return;
    this.lastFlushMs = Date.now();
    const advanced = mark.offset > this.durableMark.offset;
    if (advanced) this.durableMark = mark;
    let n = 0;
    while (n < this.awaitingDurable.length && this.awaitingDurable[n]!.lastOffset < mark.offset) {
      this.awaitingDurable[n]!.durable.resolve();
      n++;
    }
    if (n > 0) this.awaitingDurable.splice(0, n);
    if (advanced) this.host.onDurable(mark.offset);
  }
}
