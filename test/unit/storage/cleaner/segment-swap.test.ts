/**
 * Crash safety of the cleaner's segment swap, in process: the cleaning stops dead at every step
 * (a fault that throws, the log abandoned without any cleanup, as a crash leaves it), and the log
 * reopened (with recovery) holds either the old or the cleaned segment for each range: every
 * record exactly as appended, every key's latest value, no leftover files, and a later pass
 * finishes the job. test/crash/cleaner-kill.test.ts kills a process at the first of each step.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SwapStep } from '../../../../broker/storage/cleaner/segment-swap.js';
import { tempDir } from '../helpers.js';
import { expectWholeAfterCrash, fillSwapTestLog, newCleaner, openManager, SWAP_TEST_CONFIG } from './helpers.js';

/** Steps test/crash/cleaner-kill.test.ts does not kill at (it covers the first of each swap step). */
const STEPS: Array<[SwapStep, number]> = [
  ['chunk-written', 3], ['cleaned-written', 1], ['cleaned-written', 2], ['swap-renamed', 2], ['old-retired', 4], ['indexes-renamed', 2],
  ['swapped', 2],
];

class Crash extends Error {}

describe('segment swap crash safety', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('strata-swap-')));
  afterEach(async () => cleanup());

  for (const [step, nth] of STEPS) {
    it(`reopens whole after a crash at ${step} #${nth}`, async () => {
      const original = await fillSwapTestLog(dir);
      const manager = await openManager(dir, SWAP_TEST_CONFIG);
      const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
      let seen = 0;
      const cleaner = newCleaner({
        faults: { step: (s) => { if (s === step && ++seen === nth) throw new Crash(`crash at ${s}`); } },
      });
      await expect(cleaner.cleanLog(log, manager)).rejects.toBeInstanceOf(Crash);
      expect(seen).toBe(nth);
      // Replaced segments of groups swapped before the crash are removed in the background; a
      // real crash stops that too, at any point of it, which the loader copes with. Let it end
      // here so it does not race the reopening below.
      await cleaner.stop();
      for (const l of manager.logs()) await l.abandon();
      await expectWholeAfterCrash(dir, original);
    });
  }
});
