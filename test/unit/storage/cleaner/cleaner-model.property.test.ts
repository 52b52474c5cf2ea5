/**
 * The cleaner against a model (issue 15): random puts, deletes (tombstones), rolls, clock moves,
 * cleanings and restarts. After every cleaning, a replay of the log from the start:
 *   - is in strictly increasing offset order, and every record in it is exactly the record
 *     appended at that offset (no offset reused or moved);
 *   - folds to the model's table: for every key its latest value, or nothing when deleted;
 *   - holds nothing of a key whose last record is a tombstone that expired before the pass
 *     (cleaned range) - the delete is final;
 *   - with a map large enough for the whole dirty part, holds at most one record per key below
 *     the cleaned end, the latest of that key there.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { compactConfig, fold, keyed, newCleaner, openManager, readLog, type ReadRecord } from './helpers.js';

type Op =
  | { kind: 'put'; records: Array<{ key: number; tombstone: boolean }> }
  | { kind: 'roll' }
  | { kind: 'clean' }
  | { kind: 'tick'; ms: number }
  | { kind: 'restart' };

const KEYS = 12;
const RETENTION_MS = 1_000;
const T0 = 1_800_000_000_000;

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), records: fc.array(fc.record({ key: fc.integer({ min: 0, max: KEYS - 1 }), tombstone: fc.integer({ min: 0, max: 9 }).map((n) => n < 3) }), { minLength: 1, maxLength: 5 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'clean' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2 * RETENTION_MS }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

async function run(ops: Op[], bufferBytes: number): Promise<void> {
  const { dir, cleanup } = await tempDir('strata-cleaner-model-');
  const config = compactConfig({ segmentBytes: 1024, indexIntervalBytes: 64, deleteRetentionMs: RETENTION_MS });
  let now = T0;
  let manager = await openManager(dir, config);
  let cleaner = newCleaner({ now: () => now, bufferBytes });
  let log = await manager.openLog('t', 0, config);
  const appended = new Map<number, ReadRecord>();
  let seq = 0;
  try {
    for (const o of ops) {
      if (o.kind === 'put') {
        const recs = o.records.map((r) => ({ key: `k${r.key}`, value: r.tombstone ? null : `v${seq++}-${'p'.repeat(40)}`, timestamp: now }));
        const res = log.appendAsLeader(keyed(recs), 0);
        recs.forEach((r, i) => appended.set(res.baseOffset + i, { offset: res.baseOffset + i, ...r }));
        await res.written;
      } else if (o.kind === 'roll') {
        await log.maybeRoll(Number.MAX_SAFE_INTEGER);
      } else if (o.kind === 'tick') {
        now += o.ms;
      } else if (o.kind === 'restart') {
        await cleaner.stop();
        await manager.close();
        manager = await openManager(dir, config);
        cleaner = newCleaner({ now: () => now, bufferBytes });
        log = await manager.openLog('t', 0, config);
      } else {
        const pass = await cleaner.cleanLog(log, manager);
        const { records } = await readLog(log);
        // Order and identity.
        for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
        for (const r of records) expect(r).toEqual(appended.get(r.offset));
        // The table.
        const all = [...appended.values()].sort((a, b) => a.offset - b.offset);
        expect(fold(records)).toEqual(fold(all));
        if (pass === null || pass.aborted) continue;
        const latest = new Map<string, ReadRecord>();
        for (const r of all) if (r.key !== null) latest.set(r.key, r);
        for (const [key, last] of latest) {
          const cleanedAndExpired = last.value === null && last.offset < pass.mapEnd && last.timestamp + RETENTION_MS <= now;
          if (cleanedAndExpired) expect(records.filter((r) => r.key === key)).toEqual([]);
        }
        if (bufferBytes >= 1 << 20) {
          const below = records.filter((r) => r.offset < pass.mapEnd);
          const keys = below.map((r) => r.key);
          expect(new Set(keys).size).toBe(keys.length);
          const latestBelow = new Map<string, number>();
          for (const r of all) if (r.key !== null && r.offset < pass.mapEnd) latestBelow.set(r.key, r.offset);
          for (const r of below) expect(latestBelow.get(r.key!)).toBe(r.offset);
        }
      }
    }
  } finally {
    await cleaner.stop();
    await manager.close();
    await cleanup();
  }
}

describe('the cleaner against a model', () => {
  it('keeps every key\'s latest value, in offset order, with no offset reused', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), (ops) => run(ops, 1 << 20)),
      { numRuns: Number(process.env.STRATA_MODEL_RUNS ?? 25) });
  }, 120_000);

  it('does the same when the offset map holds only a handful of keys per pass', async () => {
    // 64 KiB is the smallest buffer the broker accepts; the model uses 160 bytes: 7 keys.
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), (ops) => run(ops, 160)),
      { numRuns: Number(process.env.STRATA_MODEL_RUNS ?? 20) });
  }, 120_000);
});
