/**
 * Messages between the log cleaner on the broker's thread (log-cleaner.ts, through
 * cleaner-worker-client.ts) and its worker thread (cleaner-worker.ts). Structured-clone objects
 * inside one process, never bytes on a wire or disk.
 *
 * A pass: main sends `pass`; the worker maps the dirty part and sends `mapped`; for each group of
 * segments it writes the cleaned files under the `.cleaned` suffix and sends `group`, then waits
 * for a `reply` (the main thread swapped the files in, or says stop); the pass ends with `done`
 * or `failed`. Every message carries the pass id, so nothing of an old pass is taken for a new one,
 * except `started`, which the worker sends once when it comes up.
 */
import type { GroupStats } from './clean-group.js';
import type { SwapStep } from './segment-swap.js';
import type { CleanerThreadPriority, ThreadPriority } from './thread-priority.js';

/** `workerData` of the worker thread. */
export interface CleanerWorkerInit {
  readonly bufferBytes: number;
  readonly ioBytesPerSecond: number;
  /** One Int32: non-zero asks the running pass to stop at its next slice. */
  readonly stop: SharedArrayBuffer;
  /** 'idle': the worker moves its own thread to SCHED_IDLE (thread-priority.ts) before anything else. */
  readonly threadPriority: CleanerThreadPriority;
}

/** A sealed segment of the pass, as planned on the main thread. */
export interface PassSegment {
  readonly logPath: string;
  readonly baseOffset: number;
  /** The next segment's base. */
  readonly nextOffset: number;
  /** Bytes of the `.log` (sealed: its whole size). */
  readonly size: number;
}

export interface PassJob {
  readonly id: number;
  readonly dir: string;
  /** The cleanable segments, oldest first (the plan's [0, endIndex)). */
  readonly segments: readonly PassSegment[];
  /** Index of the segment holding the first dirty offset. */
  readonly dirtyIndex: number;
  readonly firstDirty: number;
  readonly seed: number;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  readonly indexIntervalBytes: number;
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  /** Tests: report every step of writing to the main thread and wait for its answer. */
  readonly reportSteps: boolean;
  /** Tests: the worker thread exits, as if it crashed, at this step of the pass. */
  readonly exitAt: WorkerExitStep | undefined;
}

/** Where a test may make the worker thread die. */
export type WorkerExitStep = 'mapped' | SwapStep;

export type GroupOutcome =
  /** The cleaned files are written and synced: the main thread swaps them in. */
  | 'written'
  /** Cleaning would change nothing: no files were left. */
  | 'unchanged'
  /** The cleaned segment does not end where the group does (the log changed): no files left, pass ends. */
  | 'mismatch';

export type ToWorker =
  | { readonly type: 'pass'; readonly job: PassJob }
  | { readonly type: 'reply'; readonly id: number; readonly proceed: boolean };

export type FromWorker =
  /** Sent once, first: the worker thread's Linux id and the CPU priority it runs at. */
  | { readonly type: 'started'; readonly tid: number; readonly priority: ThreadPriority; readonly reason: string | undefined }
  | { readonly type: 'mapped'; readonly id: number; readonly mapEnd: number; readonly recordsMapped: number; readonly bytesRead: number }
  | {
    readonly type: 'group'; readonly id: number; readonly start: number; readonly end: number; readonly baseOffset: number;
    readonly groupEnd: number; readonly nextOffset: number; readonly outcome: GroupOutcome; readonly stats: GroupStats;
  }
  | { readonly type: 'step'; readonly id: number; readonly step: SwapStep }
  | { readonly type: 'done'; readonly id: number; readonly throttledMs: number }
  | {
    readonly type: 'failed'; readonly id: number; readonly aborted: boolean; readonly name: string; readonly message: string;
    readonly stack: string | undefined; readonly throttledMs: number;
  };
