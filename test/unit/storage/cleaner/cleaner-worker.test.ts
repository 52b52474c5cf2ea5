/**
 * The cleaner's worker thread (cleaner-worker.ts): the pass's reading, mapping and rewriting run
 * there; when the thread dies mid-pass the pass fails with CleanerWorkerDied, the files it was
 * writing are removed, the log is untouched, and the next pass (a new worker, after the restart
 * backoff) compacts the log; stop() ends a running pass and the thread; the thread runs under
 * SCHED_IDLE (Linux) while the broker's threads keep their priority.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CleanerWorkerDied } from '../../../../broker/storage/cleaner/cleaner-worker-client.js';
import type { LogCleaner } from '../../../../broker/storage/cleaner/log-cleaner.js';
import type { LogManager } from '../../../../broker/storage/log-manager.js';
import { tempDir } from '../helpers.js';
import { fillSwapTestLog, fold, newCleaner, openManager, readLog, SWAP_TEST_CONFIG, type ReadRecord } from './helpers.js';

describe('cleaner worker thread', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let manager: LogManager | undefined;
  let cleaner: LogCleaner | undefined;
  let original: ReadRecord[];
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('strata-cleaner-worker-'));
    original = await fillSwapTestLog(dir);
  });
  afterEach(async () => {
    await cleaner?.stop();
    await manager?.close();
    await cleanup();
  });

  for (const step of ['mapped', 'chunk-written'] as const) {
    it(`survives the worker dying at ${step}: files removed, log untouched, the next pass compacts`, async () => {
      manager = await openManager(dir, SWAP_TEST_CONFIG);
      const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
      let passes = 0;
      cleaner = newCleaner({ faults: { workerExitAt: () => (passes++ === 0 ? step : undefined) } });
      await expect(cleaner.cleanLog(log, manager)).rejects.toBeInstanceOf(CleanerWorkerDied);
      expect(cleaner.workerAlive).toBe(false);
      expect(cleaner.totals.failures).toBe(1);
      expect((await readdir(`${dir}/t-0`)).filter((n) => !/^\d{20}\.(log|index|timeindex)$/.test(n))).toEqual([]);
      expect((await readLog(log)).records).toEqual(original);

      const started = Date.now();
      const stats = await cleaner.cleanLog(log, manager);
      // A new worker, no sooner than CLEANER_WORKER_RESTART_MS_MIN after the death.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(cleaner.workerAlive).toBe(true);
      expect(stats?.aborted).toBe(false);
      expect(stats?.swapped).toBeGreaterThan(0);
      const cleaned = (await readLog(log)).records;
      expect(fold(cleaned)).toEqual(fold(original));
      expect(cleaned).toHaveLength(501);
    });
  }

  it('stop() ends a running pass early, skips the queued one and terminates the worker thread', async () => {
    manager = await openManager(dir, SWAP_TEST_CONFIG);
    const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
    // 64 KiB/s: the pass would take about a minute.
    cleaner = newCleaner({ ioBytesPerSecond: 64 * 1024 });
    const pass = cleaner.cleanLog(log, manager);
    const queued = cleaner.cleanLog(log, manager);
    await new Promise((r) => setTimeout(r, 300));
    expect(cleaner.workerAlive).toBe(true);
    const t0 = Date.now();
    await cleaner.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await pass)?.aborted).toBe(true);
    // The pass queued behind it does not start once the cleaner is stopping.
    expect((await queued)?.aborted).toBe(true);
    expect(cleaner.workerAlive).toBe(false);
    expect(fold((await readLog(log)).records)).toEqual(fold(original));
  });

  /** Scheduling policy (0 SCHED_OTHER, 5 SCHED_IDLE) and nice of a thread of this process, from /proc. */
  function schedOf(tid: number): { policy: number; nice: number } {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses: state is field 3, nice 19, policy 41.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { policy: Number(f[41 - 3]), nice: Number(f[19 - 3]) };
  }

  it.runIf(process.platform === 'linux')('runs the worker thread under SCHED_IDLE and leaves the broker\'s thread as it was', async () => {
    manager = await openManager(dir, SWAP_TEST_CONFIG);
    const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
    const before = schedOf(process.pid);
    cleaner = newCleaner();
    expect((await cleaner.cleanLog(log, manager))?.swapped).toBeGreaterThan(0);
    const thread = cleaner.workerThread;
    expect(thread?.priority).toBe('sched-idle');
    expect(thread!.tid).not.toBe(process.pid);
    expect(schedOf(thread!.tid).policy).toBe(5);
    expect(schedOf(process.pid)).toEqual(before);
  });

  it.runIf(process.platform === 'linux')('keeps the broker\'s priority for the worker thread when asked to (threadPriority normal)', async () => {
    manager = await openManager(dir, SWAP_TEST_CONFIG);
    const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
    cleaner = newCleaner({ threadPriority: 'normal' });
    await cleaner.cleanLog(log, manager);
    const thread = cleaner.workerThread;
    expect(thread?.priority).toBe('normal');
    expect(schedOf(thread!.tid)).toEqual(schedOf(process.pid));
  });
});
