/**
 * The log cleaner's worker thread: the CPU-heavy part of a cleaning pass, off the broker's event
 * loop (issue 15: on the loop, in 2 ms slices, it moved the fsync-before-ack produce p99 from
 * 0.8 to 4 ms). For one log at a time it
 *   1. reads the dirty segments and builds the key → latest offset map (offset-map-builder.ts),
 *      in the fixed memory of `--cleaner-buffer-bytes`;
 *   2. for each group of segments, writes the cleaned segment and its indexes under the
 *      `.cleaned` names and fdatasyncs them (clean-group.ts), then hands the group to the main
 *      thread, which does the crash-safe swap (segment-swap.ts) and hands readers over, and
 *      waits for its answer before the next group (oldest group first: see clean-group.ts).
 * The thread runs under SCHED_IDLE (thread-priority.ts): CPU is what the cleaner costs appends.
 * Reads are synchronous on this thread (segment-batches.ts SegmentFile), charged like writes to
 * the I/O budget, which this thread keeps (one IoThrottle for the worker's life).
 *
 * Failure: any error ends the pass with `failed` after the current group's `.cleaned` files are
 * removed; the main thread decides whether the log changed under the pass (aborted) or the pass
 * failed. If this thread dies outright, the main thread removes the leftovers itself.
 *
 * See cleaner-worker-protocol.ts for the messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { silentLogger } from '../../logger.js';
import type { LogConfig } from '../log-config.js';
import { Segment } from '../segment.js';
import { cleanGroup, type CleanedGroup } from './clean-group.js';
import { CleanerPace, CleaningAborted } from './cleaner-pace.js';
import type { CleanerWorkerInit, FromWorker, PassJob, ToWorker } from './cleaner-worker-protocol.js';
import { groupSegments } from './cleaning-plan.js';
import { CLEANER_WORKER_SLICE_MS } from './constants.js';
import { IoThrottle } from './io-throttle.js';
import { OffsetMap } from './offset-map.js';
import { buildOffsetMap } from './offset-map-builder.js';
import { SegmentFile } from './segment-batches.js';
import { CLEANED_SUFFIX, removeCleanedFiles, type SwapFaults, type SwapStep } from './segment-swap.js';
import { currentThreadId, lowerCurrentThreadPriority, type ThreadPriorityResult } from './thread-priority.js';

const port = parentPort;
if (!port) throw new Error('cleaner-worker.js runs as a worker thread (node:worker_threads), not as a program');
const init = workerData as CleanerWorkerInit;
// Before any work: the cleaner's CPU must not delay the broker's threads (thread-priority.ts).
const priority: ThreadPriorityResult = init.threadPriority === 'idle'
  ? lowerCurrentThreadPriority()
  : { tid: currentThreadId(), priority: 'normal', reason: 'asked to keep the broker\'s priority' };
const stopFlag = new Int32Array(init.stop);
const throttle = new IoThrottle(init.ioBytesPerSecond);
const logger = silentLogger();
/** Allocated by the first pass and reused: the buffer is the cleaner's memory budget. */
let map: OffsetMap | null = null;
/** The answer the running pass waits for. */
let awaiting: { id: number; resolve: (proceed: boolean) => void } | null = null;

/** The main thread refused a reported step (a test's fault): the pass ends. */
class StepRefused extends Error {
  constructor(step: SwapStep) {
    super(`the main thread stopped the pass at ${step}`);
    this.name = 'StepRefused';
  }
}

function post(m: FromWorker): void {
  port!.postMessage(m);
}

/** Posts `m` and waits for the main thread's reply to it. */
function ask(m: FromWorker & { id: number }): Promise<boolean> {
  return new Promise((resolve) => {
    awaiting = { id: m.id, resolve };
    post(m);
  });
}

post({ type: 'started', tid: priority.tid, priority: priority.priority, reason: priority.reason });

port.on('message', (m: ToWorker) => {
  if (m.type === 'pass') {
    void runPass(m.job);
  } else if (m.type === 'reply' && awaiting?.id === m.id) {
    const { resolve } = awaiting;
    awaiting = null;
    resolve(m.proceed);
  }
});

async function runPass(job: PassJob): Promise<void> {
  const throttledBefore = throttle.throttledMs;
  const pace = new CleanerPace(throttle, () => Atomics.load(stopFlag, 0) !== 0, CLEANER_WORKER_SLICE_MS);
  const segs = job.segments;
  const files = segs.map((s) => new SegmentFile(s.logPath, s.baseOffset, s.size));
  const exitAt = (step: 'mapped' | SwapStep): void => {
    if (job.exitAt === step) process.exit(1);
  };
  const faults: SwapFaults | undefined = job.reportSteps || job.exitAt !== undefined
    ? {
      step: async (step) => {
        exitAt(step);
        if (job.reportSteps && !(await ask({ type: 'step', id: job.id, step }))) throw new StepRefused(step);
      },
    }
    : undefined;
  /** Base of the cleaned segment this thread is writing, whose files are its own to remove. */
  let writing: number | null = null;
  try {
    map ??= new OffsetMap(init.bufferBytes);
    map.reset(job.firstDirty, job.seed);
    const mapped = await buildOffsetMap(files.slice(job.dirtyIndex), job.firstDirty, segs[segs.length - 1]!.nextOffset, map, pace);
    post({ type: 'mapped', id: job.id, mapEnd: mapped.mapEnd, recordsMapped: mapped.recordsMapped, bytesRead: mapped.bytesRead });
    exitAt('mapped');
    let last = 0;
    while (last < segs.length && segs[last]!.baseOffset < mapped.mapEnd) last++;
    const rules = {
      map, mapEnd: mapped.mapEnd, nowMs: job.nowMs, deleteRetentionMs: job.deleteRetentionMs, producerLast: mapped.producerLast,
      indexIntervalBytes: job.indexIntervalBytes,
    };
    const ctx = { config: { segmentIndexBytes: job.segmentIndexBytes } as LogConfig, logger };
    for (const [start, end] of groupSegments(segs, last, job.segmentBytes)) {
      pace.checkStopped();
      const base = segs[start]!.baseOffset;
      const groupEnd = segs[end - 1]!.nextOffset;
      writing = base;
      await removeCleanedFiles(job.dir, base);
      const target = await Segment.create(job.dir, base, ctx, CLEANED_SUFFIX);
      let cleaned: CleanedGroup;
      try {
        cleaned = await cleanGroup(files.slice(start, end), target, rules, pace, faults);
      } catch (err) {
        await target.abandon();
        throw err;
      }
      const { nextOffset, ...stats } = cleaned;
      const unchanged = end - start === 1 && stats.batchesKept === stats.batchesRead && stats.bytesWritten === segs[start]!.size;
      const outcome = unchanged ? 'unchanged' : nextOffset !== groupEnd ? 'mismatch' : 'written';
      if (outcome !== 'written') await removeCleanedFiles(job.dir, base);
      // From here the files are the main thread's: it swaps them in or removes them.
      writing = null;
      const proceed = await ask({ type: 'group', id: job.id, start, end, baseOffset: base, groupEnd, nextOffset, outcome, stats });
      if (!proceed || outcome === 'mismatch') break;
    }
    post({ type: 'done', id: job.id, throttledMs: throttle.throttledMs - throttledBefore });
  } catch (err) {
    if (writing !== null) await removeCleanedFiles(job.dir, writing).catch(() => undefined);
    const e = err instanceof Error ? err : new Error(String(err));
    post({
      type: 'failed', id: job.id, aborted: err instanceof CleaningAborted, name: e.name, message: e.message, stack: e.stack,
      throttledMs: throttle.throttledMs - throttledBefore,
    });
  } finally {
    for (const f of files) {
      try {
        f.close();
      } catch {
        // A descriptor that will not close is the OS's problem; the pass result stands.
      }
    }
  }
}
