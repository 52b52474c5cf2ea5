import { readFile, readdir, readlink, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../../broker/storage/offset-index.js';
import { OFFSET_INDEX_ENTRY_BYTES } from '../../../broker/storage/constants.js';
import { tempDir } from './helpers.js';

const BASE = 1000;

/** Oracle: the last entry with offset <= target in a sorted array, or the segment start. */
function oracleLookup(entries: [number, number][], target: number): { offset: number; position: number } {
  let found = { offset: BASE, position: 0 };
  for (const [o, p] of entries) if (o <= target) found = { offset: o, position: p };
  return found;
}

/** Strictly increasing (offset, position) pairs. */
const entriesArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 200 })
  .map((steps) => {
    let o = BASE;
    let p = 0;
    return steps.map(([dO, dP]) => [(o += dO), (p += dP)] as [number, number]);
  });

describe('OffsetIndex', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('finds the last entry at or before any offset, like a sorted-array search', () => {
    fc.assert(fc.property(entriesArb, fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 50 }), (entries, targets) => {
      const idx = new OffsetIndex(path.join(dir, 'x.index'), BASE, 1 << 20);
      for (const [o, p] of entries) idx.append(o, p);
      for (const t of targets) expect(idx.lookup(BASE + t - 100)).toEqual(oracleLookup(entries, BASE + t - 100));
    }));
  });

  it('truncates to an offset, keeping only entries below it', () => {
    fc.assert(fc.property(entriesArb, fc.integer({ min: 0, max: 12_000 }), (entries, cut) => {
      const idx = new OffsetIndex(path.join(dir, 'x.index'), BASE, 1 << 20);
      for (const [o, p] of entries) idx.append(o, p);
      idx.truncateTo(BASE + cut);
      const kept = entries.filter(([o]) => o < BASE + cut);
      expect(idx.entries).toBe(kept.length);
      expect(idx.lastEntry()).toEqual(kept.length ? { offset: kept.at(-1)![0], position: kept.at(-1)![1] } : undefined);
    }));
  });

  it('writes through without keeping a handle, trims on seal and reloads the same entries', async () => {
    const file = path.join(dir, 'a.index');
    const idx = new OffsetIndex(file, BASE, 4096);
    await idx.openWritable('create');
    await expect(stat(file)).rejects.toThrow(/ENOENT/); // created by its first write, not before
    const entries: [number, number][] = [[BASE + 5, 100], [BASE + 9, 300], [BASE + 20, 900]];
    idx.append(...entries[0]!);
    await idx.writeThrough();
    expect((await stat(file)).size).toBe(OFFSET_INDEX_ENTRY_BYTES);
    for (const [o, p] of entries.slice(1)) idx.append(o, p);
    await idx.writeThrough();
    expect((await readdir(`/proc/${process.pid}/fd`).then((fds) => Promise.all(fds.map((fd) => readlink(`/proc/${process.pid}/fd/${fd}`).catch(() => '')))))
      .filter((target) => target === file)).toEqual([]); // no descriptor stays open on it
    await idx.seal();
    expect((await stat(file)).size).toBe(entries.length * OFFSET_INDEX_ENTRY_BYTES);
    const again = new OffsetIndex(file, BASE, 4096);
    expect(await again.load()).toBeUndefined();
    expect(again.sanityCheck(1000, BASE + 21)).toBeUndefined();
    for (const t of [BASE, BASE + 5, BASE + 10, BASE + 30]) expect(again.lookup(t)).toEqual(oracleLookup(entries, t));
  });

  it('is full at segmentIndexBytes / 8 entries', () => {
    const idx = new OffsetIndex(path.join(dir, 'f.index'), BASE, 10 * OFFSET_INDEX_ENTRY_BYTES + 3);
    for (let i = 0; i < 10; i++) {
      expect(idx.isFull).toBe(false);
      idx.append(BASE + i, i * 10);
    }
    expect(idx.isFull).toBe(true);
    expect(() => idx.append(BASE + 11, 1000)).toThrow();
  });

  it('reports broken files: partial entry, entries out of order, pointing past the log', async () => {
    const file = path.join(dir, 'b.index');
    const idx = new OffsetIndex(file, BASE, 4096);
    await idx.openWritable('create');
    idx.append(BASE + 1, 10);
    idx.append(BASE + 2, 20);
    await idx.seal();

    const pointsPast = new OffsetIndex(file, BASE, 4096);
    expect(await pointsPast.load()).toBeUndefined();
    expect(pointsPast.sanityCheck(15, BASE + 3)).toMatch(/past|points/);
    expect(pointsPast.sanityCheck(100, BASE + 2)).toMatch(/past the log end/);

    const bytes = await readFile(file);
    await writeFile(file, Buffer.concat([bytes.subarray(8), bytes.subarray(0, 8)]));
    const unordered = new OffsetIndex(file, BASE, 4096);
    expect(await unordered.load()).toBeUndefined();
    expect(unordered.sanityCheck(100, BASE + 3)).toMatch(/does not increase/);

    await truncate(file, 13);
    expect(await new OffsetIndex(file, BASE, 4096).load()).toMatch(/multiple/);
    expect(await new OffsetIndex(path.join(dir, 'missing.index'), BASE, 4096).load()).toBe('missing');
  });
});
