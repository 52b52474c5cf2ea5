/**
 * LeaderEpochCache against a simple model: a log as a list of batches, each with its epoch
 * (never decreasing along the log). The model answers OffsetsForLeaderEpoch by looking at the
 * batches themselves.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LEADER_EPOCH_CHECKPOINT_FILE, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, formatEpochCheckpoint,
  parseEpochCheckpoint, rebuildEpochs, type EpochEndOffset, type EpochProbe,
} from '../../../broker/partition/leader-epoch-cache.js';
import { tempDir } from '../storage/helpers.js';

interface ModelBatch {
  baseOffset: number;
  lastOffset: number;
  epoch: number;
}

/** Batches of `sizes[i]` records with epochs made non-decreasing from `steps`. */
function modelLog(sizes: number[], steps: number[], logStart = 0): ModelBatch[] {
  const out: ModelBatch[] = [];
  let offset = logStart;
  let epoch = 0;
  sizes.forEach((size, i) => {
    epoch += steps[i] ?? 0;
    out.push({ baseOffset: offset, lastOffset: offset + size - 1, epoch });
    offset += size;
  });
  return out;
}

const endOf = (log: ModelBatch[], logStart = 0): number => log.at(-1)?.lastOffset !== undefined ? log.at(-1)!.lastOffset + 1 : logStart;

/** OffsetsForLeaderEpoch computed from the batches (Kafka's rules, see endOffsetFor). */
function modelEndOffsetFor(log: ModelBatch[], epoch: number, logEnd: number): EpochEndOffset {
  const none = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  if (epoch === UNDEFINED_EPOCH || log.length === 0) return none;
  if (log.at(-1)!.epoch === epoch) return { epoch, endOffset: logEnd };
  const higher = log.find((b) => b.epoch > epoch);
  if (!higher) return none;
  const floor = log.filter((b) => b.epoch <= epoch).at(-1);
  return { epoch: floor ? floor.epoch : epoch, endOffset: higher.baseOffset };
}

/** The cache a leader builds by assigning the epoch of every batch it appends. */
function appendedCache(log: ModelBatch[]): LeaderEpochCache {
  const cache = LeaderEpochCache.empty('/nonexistent');
  for (const b of log) cache.assign(b.epoch, b.baseOffset);
  return cache;
}

const probeOf = (log: ModelBatch[]) => async (offset: number): Promise<EpochProbe | undefined> =>
  log.find((b) => b.baseOffset <= offset && offset <= b.lastOffset);

const arbLog = fc.tuple(
  fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 60 }),
  fc.array(fc.constantFrom(0, 0, 0, 0, 1, 2), { maxLength: 60 }),
).map(([sizes, steps]) => modelLog(sizes, steps));

describe('LeaderEpochCache', () => {
  it('answers endOffsetFor like the model, for every epoch around the known ones', () => {
    fc.assert(fc.property(arbLog, (log) => {
      const cache = appendedCache(log);
      const end = endOf(log);
      const maxEpoch = log.at(-1)?.epoch ?? 0;
      for (let e = -1; e <= maxEpoch + 2; e++) expect(cache.endOffsetFor(e, end)).toEqual(modelEndOffsetFor(log, e, end));
    }), { numRuns: 300 });
  });

  it('keeps one entry per epoch, at the epoch\'s first offset', () => {
    const cache = appendedCache(modelLog([2, 3, 1, 4, 2], [0, 0, 3, 0, 1]));
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 5 }, { epoch: 4, startOffset: 10 }]);
    expect(cache.assign(4, 11)).toBe(false); // a later batch of the latest epoch
    expect(cache.assign(4, 9)).toBe(true); // an earlier start replaces it
    expect(cache.entries().at(-1)).toEqual({ epoch: 4, startOffset: 9 });
    // An entry that is not after the others drops the ones it conflicts with (Kafka's assign).
    expect(cache.assign(2, 4)).toBe(true);
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 4 }]);
    expect(() => cache.assign(-1, 3)).toThrow(RangeError);
  });

  it('truncated with the log, answers as the model of the truncated log does', () => {
    fc.assert(fc.property(arbLog, fc.double({ min: 0, max: 1, noNaN: true }), (log, at) => {
      const cache = appendedCache(log);
      const cut = Math.floor(at * endOf(log));
      // The log drops the batch holding `cut` and everything after it.
      const kept = log.filter((b) => b.lastOffset < cut);
      const newEnd = endOf(kept);
      cache.truncateFromEnd(newEnd);
      expect(cache.entries()).toEqual(appendedCache(kept).entries());
      for (let e = -1; e <= (log.at(-1)?.epoch ?? 0) + 1; e++) expect(cache.endOffsetFor(e, newEnd)).toEqual(modelEndOffsetFor(kept, e, newEnd));
    }), { numRuns: 200 });
  });

  it('is rebuilt from batch headers exactly as appends built it, with few probes', async () => {
    await fc.assert(fc.asyncProperty(arbLog, async (log) => {
      const rebuilt = LeaderEpochCache.empty('/nonexistent');
      const probes = await rebuildEpochs(rebuilt, probeOf(log), 0, endOf(log));
      expect(rebuilt.entries()).toEqual(appendedCache(log).entries());
      const changes = new Set(log.map((b) => b.epoch)).size;
      expect(probes).toBeLessThanOrEqual(2 + changes * (Math.ceil(Math.log2(log.length + 1)) + 1) * 2);
    }), { numRuns: 200 });
    // A long log of one epoch costs two header reads.
    const one = modelLog(Array(100_000).fill(3), []);
    const cache = LeaderEpochCache.empty('/nonexistent');
    expect(await rebuildEpochs(cache, probeOf(one), 0, endOf(one))).toBe(2);
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('completes a cache that is behind the log from its latest entry on', async () => {
    const log = modelLog([3, 3, 3, 3, 3, 3], [0, 0, 1, 0, 2, 0]);
    const cache = appendedCache(log.slice(0, 3)); // the checkpoint missed the last epoch change
    await rebuildEpochs(cache, probeOf(log), cache.latestStartOffset, endOf(log));
    expect(cache.entries()).toEqual(appendedCache(log).entries());
  });

  it('parses only well-formed, strictly increasing files', () => {
    const entries = [{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 1200 }];
    expect(formatEpochCheckpoint(entries)).toBe('0\n2\n0 0\n3 1200\n');
    expect(parseEpochCheckpoint('0\n2\n0 0\n3 1200\n')).toEqual(entries);
    expect(parseEpochCheckpoint('0\n0\n')).toEqual([]);
    for (const bad of ['', '1\n0\n', '0\n2\n0 0\n', '0\n1\n0 x\n', '0\n2\n3 5\n2 9\n', '0\n2\n1 5\n2 5\n', '0\n1\n-1 0\n']) {
      expect(parseEpochCheckpoint(bad)).toBeUndefined();
    }
  });
});

describe('LeaderEpochCache file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('persists atomically and loads what it wrote; skips writes that change nothing', async () => {
    const { cache, state } = await LeaderEpochCache.load(dir);
    expect(state).toBe('missing');
    cache.assign(0, 0);
    cache.assign(2, 40);
    expect(cache.isPersisted).toBe(false);
    await cache.persist();
    expect(cache.isPersisted).toBe(true);
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    expect(await readFile(file, 'utf8')).toBe('0\n2\n0 0\n2 40\n');
    const again = await LeaderEpochCache.load(dir);
    expect(again.state).toBe('ok');
    expect(again.cache.entries()).toEqual(cache.entries());
    await writeFile(file, 'garbage');
    await again.cache.persist(); // believes the file is current: no write
    expect(await readFile(file, 'utf8')).toBe('garbage');
    const garbled = await LeaderEpochCache.load(dir);
    expect(garbled.state).toBe('garbled');
    expect(garbled.cache.entries()).toEqual([]);
  });
});
