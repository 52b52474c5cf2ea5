/**
 * How the cleaner shares the broker: its reads and writes are charged to the I/O throttle, and
 * its CPU work is cut into slices of at most CLEANER_SLICE_MS with a turn of the event loop in
 * between, so an append or a fetch waits at most one slice for it. It also carries the
 * cleaner's stop: every slice boundary checks it, and a stopped pass ends with CleaningAborted.
 *
 * Concurrency: one pass at a time uses a pace.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CLEANER_SLICE_MS } from './constants.js';
import type { IoThrottle } from './io-throttle.js';

/** A cleaning pass gave up without harm: the cleaner stopped, or the log changed under it. */
export class CleaningAborted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CleaningAborted';
  }
}

export class CleanerPace {
  private sliceStart = performance.now();

  constructor(
    private readonly throttle: IoThrottle,
    private readonly stopped: () => boolean,
    private readonly sliceMs = CLEANER_SLICE_MS,
  ) {}

  /** Charges `bytes` of I/O, waiting while the cleaner is over its rate. */
  async io(bytes: number): Promise<void> {
    await this.throttle.charge(bytes, this.stopped);
    this.sliceStart = performance.now();
    this.checkStopped();
  }

  /** Ends the slice if it is long enough: gives the event loop a turn. */
  async slice(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    this.sliceStart = performance.now();
    this.checkStopped();
  }

  checkStopped(): void {
    if (this.stopped()) throw new CleaningAborted('the cleaner is stopping');
  }
}
