/**
 * The producer's memory bound: bytes of records held (queued and in flight) may not pass
 * `bytesMax`. A send() that does not fit waits, first come first served, until released bytes
 * make room, or fails with RequestTimedOutError after `waitMs`. A request larger than the whole
 * budget is let through when nothing else is held, so it cannot wait forever.
 *
 * Concurrency: one per producer, event-loop use only.
 */
import { ConnectionClosedError, RequestTimedOutError } from '../proto/errors.js';

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class ByteBudget {
  private readonly bytesMax: number;
  private readonly waitMs: number;
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(bytesMax: number, waitMs: number) {
    this.bytesMax = bytesMax;
    this.waitMs = waitMs;
  }

  get usedBytes(): number { return this.used; }
  get hasWaiters(): boolean { return this.waiters.length > 0; }

  /** Takes `bytes` now if they fit and nobody is waiting ahead; false otherwise. */
  tryTake(bytes: number): boolean {
    if (this.waiters.length > 0 || !this.fits(bytes)) return false;
    this.used += bytes;
    return true;
  }

  /** Takes `bytes`, waiting in line for room if needed. */
  take(bytes: number): Promise<void> {
    if (this.tryTake(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes, resolve, reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new RequestTimedOutError(`send() waited ${this.waitMs} ms for room in a full producer buffer`));
          this.wake();
        }, this.waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    if (this.waiters.length > 0) this.wake();
  }

  /** Fails every waiter (the producer is closing). */
  failWaiters(message: string): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ConnectionClosedError(message));
    }
  }

  private fits(bytes: number): boolean {
    return this.used + bytes <= this.bytesMax || this.used === 0;
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (!this.fits(w.bytes)) return;
      this.waiters.shift();
      clearTimeout(w.timer);
      this.used += w.bytes;
      w.resolve();
    }
  }
}
