/**
 * kill -9 under load, short version for `npm test` (20 cycles, 100-300 ms of load each).
 * `npm run test:crash:long` runs the same loop for 1,000 cycles (STRATA_CRASH_CYCLES).
 */
import { describe, expect, it } from 'vitest';
import { runKillLoop } from './harness/kill-loop.js';

// 20 in the default suite (~40 s quiet): the suite is near its 10-minute budget, and the 1,000-cycle run is test:crash:long.
const CYCLES = Number(process.env.STRATA_CRASH_CYCLES ?? 20);
const SEED = Number(process.env.STRATA_CRASH_SEED ?? Date.now() % 1_000_000);
const LONG = CYCLES > 100;
/** Per cycle: a broker start (~0.3 s), a reconnect, the load window and the check. */
const CYCLE_MS_BUDGET = 4_000;

describe('kill -9 under produce load', () => {
  it(`keeps every acknowledged record exactly once at its offset across ${CYCLES} SIGKILLs (seed ${SEED})`, async () => {
    const report = await runKillLoop({
      cycles: CYCLES,
      producers: 3,
      partitions: 2,
      loadMsMin: 100,
      loadMsMax: 300,
      killDuringStartupRatio: 0.15,
      fullCheckEvery: LONG ? 25 : 1,
      // Small segments so kills also land on segment rolls and recovery crosses segments.
      brokerArgs: ['--segment-bytes', String(256 * 1024)],
      seed: SEED,
      onCycle: LONG ? (cycle, r) => {
        if (cycle % 25 === 0) console.log(`[crash] cycle ${cycle}: ${JSON.stringify(r)}`);
      } : undefined,
    });
    console.log(`[crash] kill -9 loop: ${JSON.stringify(report)}`);
    expect(report.cycles).toBe(CYCLES);
    expect(report.recordsAcked).toBeGreaterThan(CYCLES * 10);
    // Producers retried every unknown outcome until it was answered.
    expect(report.sendsFailed).toBe(0);
    expect(report.recordsInLog).toBeGreaterThanOrEqual(report.recordsAcked);
  }, CYCLES * CYCLE_MS_BUDGET + 30_000);
});
