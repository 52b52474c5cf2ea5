/**
 * The cleaner worker thread's CPU priority: the calling thread (only) is moved to Linux's
 * SCHED_IDLE policy, or, where that cannot be done, to nice CLEANER_THREAD_NICE.
 *
 * Why (issue 15, `npm run bench:compaction -- --parts`): what a cleaning pass costs the
 * fsync-before-ack appender is CPU, not disk. The appender's latency tail is all in its
 * written -> durable part, i.e. in the libuv pool thread that runs fdatasync and then the broker's
 * thread each waking and getting a core (their run-queue wait, /proc/<pid>/task/<tid>/schedstat,
 * is of the size of the tail); reading the table from the disk instead of the page cache did not
 * move the tail more than reading it from the cache, the disk was busy well under half the time,
 * and the part with the most CPU per byte (the key map: batch checks, record walks, hashing)
 * moved it most. A woken thread of normal priority need not preempt a normal-priority thread that
 * holds the core (the scheduler may let it finish its slice); a SCHED_IDLE thread is preempted by
 * any normal thread that wakes on its core, and gets a core only when no normal thread wants it.
 * What it cannot do: give back CPU the cleaner used when the whole process competes with other
 * processes for a fixed share (a saturated machine with autogroups, a container's CPU quota);
 * there only the I/O budget, which bounds the cleaner's CPU too (~1 core-second per 128 MiB read),
 * helps.
 *
 * Priority inversion: a SCHED_IDLE thread may wait long for a core, so it must not hold what
 * the appenders' fdatasync waits for. The worker's writes, fdatasyncs, renames and unlinks (which
 * open ext4 journal handles; a journal commit waits for every open handle) therefore stay on
 * libuv's threadpool at normal priority (Segment's async file calls); on this thread run only
 * CPU work and reads, which open no handle once atime updates are off (segment-batches.ts).
 * What remains: locks in user space that this thread shares with the broker's threads for a few
 * instructions at a time - libuv's work queue when it submits a file call, Node's platform task
 * queue when its heap posts GC work. Preempted inside one on a saturated core, it would hold the
 * broker's thread until it runs again (no priority inheritance there). Not seen in the benchmarks
 * (the appender's max latency while cleaning under SCHED_IDLE was no worse than at normal
 * priority), but it is why `--cleaner-thread-priority normal` exists.
 *
 * Linux applies both per thread (a thread id is a pid to sched_setscheduler and setpriority), so
 * the broker's own threads are unaffected. Node has no binding for sched_setscheduler: util-linux's
 * `chrt` (Debian: always installed) does it for the thread's id. Without Linux's per-thread
 * semantics (other platforms) nothing is changed: there a thread id is not a pid, and
 * os.setPriority would reach some other process.
 *
 * Concurrency: called once by the worker thread at its start, for itself.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CLEANER_CHRT_TIMEOUT_MS, CLEANER_THREAD_NICE } from './constants.js';

/** What the thread got: SCHED_IDLE, a nice value, or nothing (not Linux, or refused). */
export type ThreadPriority = 'sched-idle' | 'nice' | 'normal';

/** Whether the cleaner thread is lowered (the default) or left at the broker's priority. */
export type CleanerThreadPriority = 'idle' | 'normal';

export interface ThreadPriorityResult {
  /** Linux thread id of the calling thread; NaN where unknown. */
  readonly tid: number;
  readonly priority: ThreadPriority;
  /** Why the thread kept a higher priority than asked, if it did. */
  readonly reason?: string;
}

/** The calling thread's Linux id (not the process's: /proc/thread-self is per thread). */
export function currentThreadId(): number {
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
  } catch {
    return Number.NaN;
  }
}

/** Lowers the calling thread's CPU priority as far as it can; never throws. */
export function lowerCurrentThreadPriority(): ThreadPriorityResult {
  if (process.platform !== 'linux') return { tid: Number.NaN, priority: 'normal', reason: `${process.platform} has no per-thread priority` };
  const tid = currentThreadId();
  if (!Number.isInteger(tid) || tid <= 0) return { tid, priority: 'normal', reason: 'the thread id is unknown (/proc not mounted?)' };
  let reason: string;
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: CLEANER_CHRT_TIMEOUT_MS });
    return { tid, priority: 'sched-idle' };
  } catch (err) {
    reason = `chrt --idle failed: ${(err as Error).message}`;
  }
  try {
    os.setPriority(tid, CLEANER_THREAD_NICE);
    return { tid, priority: 'nice', reason };
  } catch (err) {
    return { tid, priority: 'normal', reason: `${reason}; setpriority failed: ${(err as Error).message}` };
  }
}
