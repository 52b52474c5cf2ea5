/**
 * kill -9 at every step of a segment swap (issue 15): a child process runs a cleaning pass with
 * the built code and SIGKILLs itself at a chosen step; the log reopened after it holds, for
 * each range, either the old segments or the cleaned one, never a mix that loses a latest value:
 * every record exactly as appended, every key's latest value, no leftover files, and a new
 * pass completes the compaction. (test/unit/storage/cleaner/segment-swap.test.ts stops the pass
 * in process at more steps.)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../unit/storage/helpers.js';
import { expectWholeAfterCrash, fillSwapTestLog, SWAP_TEST_CONFIG } from '../unit/storage/cleaner/helpers.js';

const CHILD = fileURLToPath(new URL('./harness/cleaner-child.mjs', import.meta.url));
const STEPS: Array<[string, number]> = [
  ['chunk-written', 1], ['swap-renamed', 1], ['swap-committed', 1], ['old-retired', 1], ['indexes-renamed', 1],
  ['log-renamed', 1], ['swapped', 1], ['swap-committed', 3],
];

function runChild(dir: string, step: string, nth: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, JSON.stringify(SWAP_TEST_CONFIG), step, String(nth)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

// Each step has its own temp dir and child process, so the steps run side by side: most of a
// case is a child's node start and fsyncs, which leave the CPU to the others.
describe.concurrent('cleaner crash safety under kill -9', () => {
  for (const [step, nth] of STEPS) {
    it(`reopens whole after kill -9 at ${step} #${nth}`, async () => {
      const { dir, cleanup } = await tempDir('strata-cleaner-kill-');
      try {
        const original = await fillSwapTestLog(dir);
        const child = await runChild(dir, step, nth);
        expect(child.signal, child.out).toBe('SIGKILL');
        await expectWholeAfterCrash(dir, original);
      } finally {
        await cleanup();
      }
    });
  }
});
