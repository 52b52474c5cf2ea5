/**
 * The long poll of a fetch that found fewer than min_bytes: park until enough data arrives,
 * max_wait_ms passes, the broker starts stopping (answer now with what there is), or the
 * connection closes (answer nothing).
 *
 * Waking is event-driven, never polled: the fetch subscribes to each requested partition's
 * high-watermark event (Partition.onHighWatermark, one Set per partition, so thousands of
 * parked fetches cost no EventEmitter listeners). An advance triggers one new read pass; passes
 * never overlap, and advances during a pass trigger exactly one more. A consumer parked at the
 * end of a log therefore gets a new batch one read after its high watermark moves; that read is
 * answered from the log's tail cache, so the answer is sent in the event-loop turn in which the
 * covering fdatasync completed, with no threadpool read in between.
 *
 * Every exit path runs `cleanup`, which unsubscribes, clears the timer and removes the abort
 * listeners, so nothing outlives the request.
 */
import type { Partition } from '../partition/partition.js';
import { readFetchPass, type FetchPass, type FetchTarget, type PartitionReader } from './fetch-reader.js';

export interface DelayedFetchOptions {
  readonly targets: readonly FetchTarget[];
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
  /** The pass that came up short; its high watermarks tell whether one moved since. */
  readonly first: FetchPass;
  readonly connectionClosed: AbortSignal;
  readonly stopping: AbortSignal;
  /**
   * Looks a partition up again for each new pass, so a topic deleted (or deleted and recreated)
   * while the fetch waits is answered as it now is, not read from a closed log.
   */
  readonly lookup: (topic: string, partition: number) => Partition | undefined;
  readonly onError: (err: unknown) => void;
  /** How each pass reads a partition (the connection's reader). @default readToHighWatermark */
  readonly read?: PartitionReader | undefined;
}

/** Resolves with the pass to answer with, or null when the connection closed meanwhile. */
export function waitForFetchData(opts: DelayedFetchOptions): Promise<FetchPass | null> {
  return new Promise<FetchPass | null>((resolve) => {
    let done = false;
    let reading = false;
    let again = false;
    const unsubscribes: Array<() => void> = [];

    const cleanup = (): void => {
      done = true;
      clearTimeout(timer);
      for (const off of unsubscribes) off();
      opts.connectionClosed.removeEventListener('abort', onClosed);
      opts.stopping.removeEventListener('abort', onDeadline);
    };
    /** A pass nobody answers with gives its read buffers back (never the caller's first pass). */
    const discard = (pass: FetchPass | null): void => {
      if (pass !== null && pass !== opts.first) pass.release();
    };
    const finish = (pass: FetchPass | null): void => {
      if (done) {
        discard(pass);
        return;
      }
      cleanup();
      resolve(pass);
    };
    const pass = async (): Promise<FetchPass | null> => {
      try {
        const fresh = opts.targets.map((t) => ({ ...t, source: opts.lookup(t.topic, t.partition) }));
        return await readFetchPass(fresh, opts.maxBytes, opts.read);
      } catch (err) {
        // readFetchPass reports per-partition errors itself; this is a bug, answer with the first pass.
        opts.onError(err);
        return opts.first;
      }
    };
    const onWake = (): void => {
      if (done) return;
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      void (async () => {
        do {
          again = false;
          const result = await pass();
          if (done) {
            discard(result);
            return;
          }
          if (result && (result.bytes >= opts.minBytes || result.errors > 0)) {
            finish(result);
            return;
          }
          discard(result);
        } while (again);
        reading = false;
      })();
    };
    const onDeadline = (): void => {
      if (done) return;
      // Stop waking; answer with one last pass.
      for (const off of unsubscribes.splice(0)) off();
      clearTimeout(timer);
      void pass().then(finish);
    };
    const onClosed = (): void => finish(null);

    const timer = setTimeout(onDeadline, opts.maxWaitMs);
    if (opts.connectionClosed.aborted) return finish(null);
    opts.connectionClosed.addEventListener('abort', onClosed, { once: true });
    if (opts.stopping.aborted) return onDeadline();
    opts.stopping.addEventListener('abort', onDeadline, { once: true });

    const seen = new Set<Partition>();
    let moved = false;
    opts.first.reads.forEach((read, i) => {
      const source = opts.targets[i]!.source;
      if (!source || read.error) return;
      if (source.highWatermark !== read.highWatermark) moved = true;
      if (seen.has(source)) return;
      seen.add(source);
      unsubscribes.push(source.onHighWatermark(onWake));
    });
    // An advance between the first pass and subscribing would otherwise be missed until the deadline.
    if (moved) onWake();
  });
}
