/**
 * Appends waiting for the high watermark to pass them (acks=all), in offset order.
 *
 * An append registers once its bytes are durable locally; it is released when the high
 * watermark moves past its last offset. Appends arrive in offset order, so registering is an
 * append to the end (a retried duplicate may go further in, found by a short walk from the end)
 * and releasing takes a prefix.
 *
 * Concurrency: event-loop only; release runs inside the log's write or flush path.
 */
import type { Deferred } from '../storage/file-io.js';

interface Waiter {
  readonly lastOffset: number;
  readonly done: Deferred;
}

export class CommitWaiters {
  private waiters: Waiter[] = [];
  private head = 0;

  get size(): number {
    return this.waiters.length - this.head;
  }

  /** Resolves `done` once the high watermark (now `highWatermark`) passes `lastOffset`. */
  wait(lastOffset: number, highWatermark: number, done: Deferred): void {
    if (lastOffset < highWatermark) {
      done.resolve();
      return;
    }
    let i = this.waiters.length;
    while (i > this.head && this.waiters[i - 1]!.lastOffset > lastOffset) i--;
    this.waiters.splice(i, 0, { lastOffset, done });
  }

  /** The high watermark moved to `highWatermark`: resolves every waiter below it. */
  release(highWatermark: number): void {
    while (this.head < this.waiters.length && this.waiters[this.head]!.lastOffset < highWatermark) {
      this.waiters[this.head++]!.done.resolve();
    }
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }

  /** Fails the waiters at or past `offset` (the log was truncated there). */
  rejectFrom(offset: number, err: Error): void {
    let i = this.waiters.length;
    while (i > this.head && this.waiters[i - 1]!.lastOffset >= offset) i--;
    for (const w of this.waiters.splice(i)) w.done.reject(err);
  }

  /** Fails every waiter (the partition goes away or stops leading). */
  rejectAll(err: Error): void {
    const waiting = this.waiters.slice(this.head);
    this.waiters = [];
    this.head = 0;
    for (const w of waiting) w.done.reject(err);
  }
}
