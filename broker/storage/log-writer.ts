/**
 * The write half of a partition log: appends that have offsets but are not in the file yet,
 * and the serial path that writes them.
 *
 * Queued appends are taken in groups (up to WRITE_GROUP_BYTES_MAX / WRITE_GROUP_BUFFERS_MAX)
 * and each group is written with one writev per segment it touches, at an explicit position,
 * straight from the callers' buffers (no copy). An append is never split across segments: the
 * log rolls between appends. Each group is one link of the log's serial chain, so truncation,
 * retention and rolls wait for at most one group. A group of at most SYNC_WRITE_BYTES_MAX is
 * copied into the page cache synchronously (file-io.ts writevAt), so a small produce reaches the
 * flusher's fdatasync in the event-loop turn that received it; larger groups use the threadpool.
 *
 * On a failed write the failed append and every append queued after it are rejected with
 * NotEnoughSpaceError (ENOSPC/EDQUOT) or StorageError, the segment is cut back to the last good
 * byte, and the log's end offset is rewound; later appends may succeed.
 */
import type { StorageError, StrataError } from '../../proto/errors.js';
import { readInt64BE } from '../../proto/int64.js';
import { OFFSET_BASE_OFFSET, OFFSET_LAST_OFFSET_DELTA, OFFSET_MAX_TIMESTAMP, type BatchSpan } from '../../proto/record-batch.js';
import type { Logger } from '../logger.js';
import { WRITE_GROUP_BUFFERS_MAX, WRITE_GROUP_BYTES_MAX } from './constants.js';
import { storageFailure, toStorageError, type Deferred } from './file-io.js';
import type { LogConfig } from './log-config.js';
import type { RollReason, Segment } from './segment.js';

/** What the writer needs to know about each batch of an append. */
export interface BatchMeta {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  size: number;
}

export interface PendingAppend {
  /** The caller's buffer, offsets already stamped; written as is. */
  buf: Buffer;
  batches: BatchMeta[];
  lastOffset: number;
  written: Deferred;
  /** Same object as `written` unless the append was made under 'always'. */
  durable: Deferred;
}

/** Offsets and timestamps of validated batches, for offsets starting at `firstOffset`. */
export function batchMetas(buf: Buffer, spans: readonly BatchSpan[], firstOffset: number): BatchMeta[] {
  const metas: BatchMeta[] = new Array(spans.length);
  let next = firstOffset;
  for (let i = 0; i < spans.length; i++) {
    const { pos, size } = spans[i]!;
    const delta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
    // Throws InvalidRecordBatchError for a timestamp outside the safe integer range.
    const maxTimestamp = readInt64BE(buf, pos + OFFSET_MAX_TIMESTAMP);
    metas[i] = { baseOffset: next, lastOffset: next + delta, maxTimestamp, size };
    next += delta + 1;
  }
  return metas;
}

/** Offsets and timestamps of validated batches that carry their own base offsets (a follower's). */
export function storedBatchMetas(buf: Buffer, spans: readonly BatchSpan[]): BatchMeta[] {
  return spans.map(({ pos, size }) => {
    const baseOffset = readInt64BE(buf, pos + OFFSET_BASE_OFFSET);
    const lastOffset = baseOffset + buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
    return { baseOffset, lastOffset, maxTimestamp: readInt64BE(buf, pos + OFFSET_MAX_TIMESTAMP), size };
  });
}

/** The partition log, as seen by its writer. */
export interface WriterHost {
  readonly name: string;
  readonly logger: Logger;
  readonly config: LogConfig;
  /** Why the log no longer writes (a failed fsync), if it does not. */
  readonly failure: StorageError | undefined;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  activeSegment(): Segment;
  roll(reason: RollReason): Promise<Segment>;
  /** The appends of `chunk` are now in `seg`'s file. */
  chunkWritten(chunk: PendingAppend[], seg: Segment): void;
  /** Gives back the offsets of appends that failed (the end offset returns to what is written). */
  rewind(): void;
  /** Something the writer cannot undo happened: the log must stop acknowledging. */
  fatal(err: StorageError): void;
  /** Counts one writev. */
  wrote(): void;
}

export class LogWriter {
  private queue: PendingAppend[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly host: WriterHost) {}

  /** Bytes accepted but not yet written. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** No append is waiting to be written and no write is scheduled. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.scheduled;
  }

  /** The most recently queued append, if it is still waiting. */
  last(): PendingAppend | undefined {
    return this.queue[this.queue.length - 1];
  }

  enqueue(a: PendingAppend): void {
    this.queue.push(a);
    this.bytes += a.buf.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.host.exclusive(() => this.writeNextGroup()).catch((err: unknown) => {
      this.host.fatal(storageFailure(err, `${this.host.name}: write path failed`));
    });
  }

  /** Rejects `failed` and everything still queued with `error`. */
  failAll(failed: PendingAppend[], error: Error): void {
    const all = failed.concat(this.queue);
    this.queue = [];
    this.bytes = 0;
    for (const a of all) {
      a.written.reject(error);
      if (a.durable !== a.written) a.durable.reject(error);
    }
  }

  /** Writes one group of queued appends, then yields the chain to other operations. */
  private async writeNextGroup(): Promise<void> {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    if (this.host.failure) {
      this.failAll([], this.host.failure);
      return;
    }
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < WRITE_GROUP_BUFFERS_MAX) {
      const size = this.queue[n]!.buf.length;
      if (n > 0 && bytes + size > WRITE_GROUP_BYTES_MAX) break;
      bytes += size;
      n++;
    }
    const group = this.queue.splice(0, n);
    this.bytes -= bytes;
    try {
      await this.writeGroup(group);
    } catch (err) {
      // Not an I/O error writeGroup handles: in-memory state may be inconsistent, so stop
      // acknowledging rather than leave these appends hanging.
      const error = storageFailure(err, `${this.host.name}: unexpected failure in the write path`);
      this.failAll(group, error);
      this.host.fatal(error);
    }
    if (this.queue.length > 0) this.schedule();
  }

  /** Places and writes a group: one writev per segment it touches. */
  private async writeGroup(group: PendingAppend[]): Promise<void> {
    const { host } = this;
    const now = Date.now();
    const interval = host.config.indexIntervalBytes;
    let i = 0;
    while (i < group.length) {
      let seg = host.activeSegment();
      const first = group[i]!;
      const reason = seg.rollReason(first.buf.length, first.lastOffset, now, host.config);
      if (reason !== undefined) {
        try {
          seg = await host.roll(reason);
        } catch (err) {
          this.failWrite(group.slice(i), toStorageError(err, `${host.name}: rolling a new segment failed`));
          return;
        }
      }
      const snap = seg.snapshot();
      const position = seg.size;
      const buffers: Buffer[] = [];
      const start = i;
      while (i < group.length) {
        const a = group[i]!;
        if (i > start && seg.rollReason(a.buf.length, a.lastOffset, now, host.config) !== undefined) break;
        for (const b of a.batches) seg.placeBatch(b.baseOffset, b.lastOffset, b.maxTimestamp, b.size, interval);
        buffers.push(a.buf);
        i++;
      }
      try {
        await seg.write(buffers, position);
        host.wrote();
      } catch (err) {
        this.failWrite(group.slice(start), toStorageError(err, `${host.name}: write to ${seg.logPath} failed`));
        try {
          await seg.rollback(snap);
        } catch (cutErr) {
          // The file may now hold bytes we cannot account for: stop acknowledging.
          host.fatal(storageFailure(cutErr, `${host.name}: truncating after a failed write failed`));
        }
        return;
      }
      host.chunkWritten(group.slice(start, i), seg);
    }
  }

  /** Fails `failed` and everything still queued; their offsets are given back. */
  private failWrite(failed: PendingAppend[], error: StrataError): void {
    this.host.logger.warn({ err: error, appends: failed.length + this.queue.length }, 'write failed; failing queued appends');
    this.failAll(failed, error);
    this.host.rewind();
  }
}
