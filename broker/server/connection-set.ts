/**
 * The open connections of one listener: the idle sweep, and the steps of a shutdown that
 * Broker.stop() drives (drain in-flight requests with a bound, then close every connection,
 * terminating those that do not finish closing in time).
 */
import type { ConnectionCore } from './connection-core.js';

/** How long closeAll() waits for connections to close before terminating them. */
export const CLOSE_HANDSHAKE_MS_MAX = 1_000;

export class ConnectionSet {
  private readonly connections = new Set<ConnectionCore>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private emptyWaiters: Array<() => void> = [];

  get size(): number {
    return this.connections.size;
  }

  add(conn: ConnectionCore): void {
    this.connections.add(conn);
  }

  delete(conn: ConnectionCore): void {
    this.connections.delete(conn);
    if (this.connections.size === 0) for (const wake of this.emptyWaiters.splice(0)) wake();
  }

  [Symbol.iterator](): IterableIterator<ConnectionCore> {
    return this.connections.values();
  }

  /** Sweeps every idleTimeoutMs / 2 (see ConnectionCore.sweepIdle); the timer does not keep the process alive. */
  startIdleSweep(idleTimeoutMs: number): void {
    this.stopIdleSweep();
    this.sweepTimer = setInterval(() => {
      for (const c of this.connections) c.sweepIdle();
    }, Math.max(1, Math.floor(idleTimeoutMs / 2)));
    this.sweepTimer.unref();
  }

  stopIdleSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Waits until no connection has a request in flight, or `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.whenIdle(timeoutMs)));
  }

  /** Closes every connection ('going-away') and waits until all are gone, terminating stragglers after CLOSE_HANDSHAKE_MS_MAX. */
  async closeAll(message: string): Promise<void> {
    this.stopIdleSweep();
    const open = [...this.connections];
    if (open.length === 0) return;
    for (const c of open) c.close('going-away', message);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const c of this.connections) c.terminate();
        resolve();
      }, CLOSE_HANDSHAKE_MS_MAX);
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
