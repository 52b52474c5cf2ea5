import { stat } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeIndex } from '../../../broker/storage/time-index.js';
import { TIME_INDEX_ENTRY_BYTES } from '../../../broker/storage/constants.js';
import { tempDir } from './helpers.js';

const BASE = 500;

describe('TimeIndex', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('keeps only growing timestamps and finds the last entry older than a timestamp', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: -5, max: 20 }), fc.integer({ min: 0, max: 5 })), { maxLength: 200 });
    fc.assert(fc.property(arb, fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }), (steps, targets) => {
      const idx = new TimeIndex(path.join(dir, 'x.timeindex'), BASE, 1 << 20);
      const oracle: { timestamp: number; offset: number }[] = [];
      let ts = 1_000;
      let offset = BASE;
      for (const [dT, dO] of steps) {
        ts += dT;
        offset += dO;
        const added = idx.maybeAppend(ts, offset);
        const grows = oracle.length === 0 || ts > oracle.at(-1)!.timestamp;
        expect(added).toBe(grows);
        if (grows) oracle.push({ timestamp: ts, offset });
      }
      for (const t of targets) {
        const expected = [...oracle].reverse().find((e) => e.timestamp < t);
        expect(idx.lastBefore(t)).toEqual(expected);
      }
      expect(idx.lastEntry()).toEqual(oracle.at(-1));
    }));
  });

  it('truncates entries at and after an offset', () => {
    const idx = new TimeIndex(path.join(dir, 't.timeindex'), BASE, 4096);
    idx.maybeAppend(10, BASE + 1);
    idx.maybeAppend(20, BASE + 5);
    idx.maybeAppend(30, BASE + 9);
    idx.truncateTo(BASE + 5);
    expect(idx.entries).toBe(1);
    expect(idx.lastEntry()).toEqual({ timestamp: 10, offset: BASE + 1 });
  });

  it('reserves the last slot for the final entry written on seal', async () => {
    const file = path.join(dir, 'f.timeindex');
    const idx = new TimeIndex(file, BASE, 4 * TIME_INDEX_ENTRY_BYTES);
    await idx.openWritable('create');
    expect(idx.maybeAppend(1, BASE)).toBe(true);
    expect(idx.maybeAppend(2, BASE + 1)).toBe(true);
    expect(idx.maybeAppend(3, BASE + 2)).toBe(true);
    expect(idx.isFull).toBe(true);
    expect(idx.maybeAppend(4, BASE + 3)).toBe(false);
    expect(idx.maybeAppend(4, BASE + 3, true)).toBe(true);
    await idx.seal();
    expect((await stat(file)).size).toBe(4 * TIME_INDEX_ENTRY_BYTES);
    const again = new TimeIndex(file, BASE, 4 * TIME_INDEX_ENTRY_BYTES);
    expect(await again.load()).toBeUndefined();
    expect(again.sanityCheck(BASE + 4)).toBeUndefined();
    expect(again.sanityCheck(BASE + 3)).toMatch(/past the log end/);
    expect(again.lastEntry()).toEqual({ timestamp: 4, offset: BASE + 3 });
  });
});
