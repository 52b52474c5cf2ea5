/**
 * The main thread's side of the cleaner worker (cleaner-worker.ts): one worker thread per
 * LogCleaner (so per broker), started on the first pass, running one pass at a time (the
 * LogCleaner's serial chain queues them, at most CLEANER_PASSES_QUEUED_MAX).
 *
 * While a pass runs, the worker's `group` and `step` messages go to the pass's handlers (the
 * swap runs here, on the log's serial chain); their answers go back as `reply`. A handler that
 * throws stops the pass (the worker is told not to proceed) and the pass rejects with that
 * error once the worker has wound down, so the two threads never disagree about which files
 * are whose.
 *
 * If the worker thread dies (an uncaught error, running out of memory, a test's exit), the pass
 * rejects with CleanerWorkerDied after the handler in flight has finished and the `.cleaned`
 * files the worker left in the log's directory are removed; the next pass starts a new worker,
 * no sooner than CLEANER_WORKER_RESTART_MS_MIN after the death, doubling up to
 * CLEANER_WORKER_RESTART_MS_MAX while deaths follow one another. The broker never dies with it.
 *
 * The worker keeps the process alive only while a pass runs (ref/unref). close() terminates it.
 */
import assert from 'node:assert/strict';
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { CorruptLogError } from '../../../proto/errors.js';
import type { Logger } from '../../logger.js';
import { CleaningAborted } from './cleaner-pace.js';
import type { CleanerWorkerInit, FromWorker, PassJob, ToWorker } from './cleaner-worker-protocol.js';
import { CLEANER_WORKER_RESTART_MS_MAX, CLEANER_WORKER_RESTART_MS_MIN } from './constants.js';
import { CLEANED_SUFFIX, type SwapStep } from './segment-swap.js';
import type { CleanerThreadPriority, ThreadPriority } from './thread-priority.js';

/** The worker thread died during a pass. */
export class CleanerWorkerDied extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CleanerWorkerDied';
  }
}

export type MappedMessage = Extract<FromWorker, { type: 'mapped' }>;
export type GroupMessage = Extract<FromWorker, { type: 'group' }>;

/** What a pass does with the worker's messages. */
export interface PassHandlers {
  mapped(m: MappedMessage): void;
  /** The group's cleaned files are ready (or not needed); resolves to whether the pass goes on. */
  group(m: GroupMessage): Promise<boolean>;
  /** A step the worker reports (tests' faults); throwing stops the pass with that error. */
  step(step: SwapStep): Promise<void>;
}

export interface PassResult {
  readonly throttledMs: number;
}

interface Running {
  readonly job: PassJob;
  readonly handlers: PassHandlers;
  readonly resolve: (r: PassResult) => void;
  readonly reject: (err: unknown) => void;
  /** The handler whose answer the worker waits for. */
  inflight: Promise<void>;
  /** A handler's error: the pass's result once the worker has wound down. */
  error: unknown;
  throttledMs: number;
}

export interface CleanerWorkerOptions {
  readonly bufferBytes: number;
  readonly ioBytesPerSecond: number;
  readonly logger: Logger;
  readonly threadPriority: CleanerThreadPriority;
}

/** The running worker thread, as it reported itself. */
export interface CleanerThreadInfo {
  readonly tid: number;
  readonly priority: ThreadPriority;
}

/**
 * Where the compiled worker is. Running from the TypeScript sources (vitest) there is no
 * `.js` beside this file: the worker is the build's (tests run after `npm run build`).
 */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL('../../../dist/broker/storage/cleaner/cleaner-worker.js', here);
  return new URL('./cleaner-worker.js', here);
}

export class CleanerWorker {
  private worker: Worker | null = null;
  private readonly stopBuffer = new SharedArrayBuffer(4);
  private readonly stopFlag = new Int32Array(this.stopBuffer);
  private running: Running | null = null;
  private nextId = 1;
  private deaths = 0;
  private restartAt = 0;
  private closed = false;
  private thread: CleanerThreadInfo | null = null;

  constructor(private readonly opts: CleanerWorkerOptions) {}

  /** Whether a worker thread is up (for tests and metrics). */
  get alive(): boolean {
    return this.worker !== null;
  }

  /** The worker thread's id and CPU priority, once it has started (null before, and after it died). */
  get threadInfo(): CleanerThreadInfo | null {
    return this.worker ? this.thread : null;
  }

  /** Runs one pass on the worker. One at a time: the caller serialises. */
  async run(job: Omit<PassJob, 'id'>, handlers: PassHandlers): Promise<PassResult> {
    assert.ok(this.running === null, 'the cleaner worker runs one pass at a time');
    const wait = this.restartAt - Date.now();
    if (wait > 0) await sleep(wait);
    if (this.closed) throw new CleaningAborted('the cleaner is stopping');
    const worker = this.worker ?? this.spawn();
    Atomics.store(this.stopFlag, 0, 0);
    const full: PassJob = { ...job, id: this.nextId++ };
    worker.ref();
    try {
      return await new Promise<PassResult>((resolve, reject) => {
        this.running = { job: full, handlers, resolve, reject, inflight: Promise.resolve(), error: undefined, throttledMs: 0 };
        this.send({ type: 'pass', job: full });
      });
    } finally {
      this.running = null;
      this.worker?.unref();
    }
  }

  /** Asks the running pass to stop at its next slice (it then fails with CleaningAborted). */
  abort(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  /** Stops the worker thread; a pass still running fails. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort();
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.running?.reject(new CleaningAborted('the cleaner is stopping'));
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private spawn(): Worker {
    const init: CleanerWorkerInit = {
      bufferBytes: this.opts.bufferBytes, ioBytesPerSecond: this.opts.ioBytesPerSecond, stop: this.stopBuffer,
      threadPriority: this.opts.threadPriority,
    };
    this.thread = null;
    const worker = new Worker(workerUrl(), { workerData: init, name: 'strata-cleaner' });
    worker.unref();
    let died: Error | null = null;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => {
      died = err;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.closed) return;
      this.onDeath(died ?? new Error(`the cleaner worker thread exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private onDeath(cause: Error): void {
    this.deaths++;
    const delay = Math.min(CLEANER_WORKER_RESTART_MS_MIN * 2 ** (this.deaths - 1), CLEANER_WORKER_RESTART_MS_MAX);
    this.restartAt = Date.now() + delay;
    this.opts.logger.error({ err: cause, restartInMs: delay }, 'the cleaner worker thread died; a new one starts with the next pass');
    const r = this.running;
    if (!r) return;
    const err = new CleanerWorkerDied(`the cleaner worker thread died during a pass over ${r.job.dir}: ${cause.message}`, { cause });
    void r.inflight
      .then(() => removeCleanedLeftovers(r.job.dir))
      .catch((e: unknown) => this.opts.logger.warn({ err: e, dir: r.job.dir }, 'removing a dead cleaner worker\'s files failed; they go at the next start'))
      .then(() => r.reject(err));
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'started') {
      this.thread = { tid: m.tid, priority: m.priority };
      const log = { tid: m.tid, priority: m.priority, reason: m.reason };
      if (this.opts.threadPriority === 'idle' && m.priority !== 'sched-idle') {
        this.opts.logger.warn(log, 'the cleaner worker thread could not be moved to SCHED_IDLE; its CPU work competes with appends');
      } else {
        this.opts.logger.info(log, 'cleaner worker thread started');
      }
      return;
    }
    const r = this.running;
    if (!r || m.id !== r.job.id) return;
    switch (m.type) {
      case 'mapped':
        r.handlers.mapped(m);
        break;
      case 'group':
        this.answer(r, () => r.handlers.group(m));
        break;
      case 'step':
        this.answer(r, async () => {
          await r.handlers.step(m.step);
          return true;
        });
        break;
      case 'done':
        this.deaths = 0;
        if (r.error !== undefined) r.reject(r.error);
        else r.resolve({ throttledMs: m.throttledMs });
        break;
      case 'failed':
        this.deaths = 0;
        r.throttledMs = m.throttledMs;
        r.reject(r.error !== undefined ? r.error : rebuildError(m));
        break;
    }
  }

  /** Runs a handler and replies with its answer; a handler's error stops the pass. */
  private answer(r: Running, handler: () => Promise<boolean>): void {
    r.inflight = (async () => {
      let proceed = false;
      try {
        proceed = await handler();
      } catch (err) {
        r.error = err;
      }
      if (this.running === r) this.send({ type: 'reply', id: r.job.id, proceed });
    })();
  }
}

/** The worker's error, as an error of this thread. */
function rebuildError(m: Extract<FromWorker, { type: 'failed' }>): Error {
  const err = m.aborted ? new CleaningAborted(m.message) : m.name === 'CorruptLogError' ? new CorruptLogError(m.message) : new Error(m.message);
  if (m.stack) err.stack = `${err.name}: ${m.message} [in the cleaner worker]\n${m.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

/** `.cleaned` files of `dir`: never committed, so nobody else's. */
async function removeCleanedLeftovers(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const n of names) {
    if (!n.endsWith(CLEANED_SUFFIX)) continue;
    await unlink(path.join(dir, n)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
