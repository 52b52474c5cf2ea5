import { appendFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_CACHE_BYTES_MAX } from '../../../broker/storage/constants.js';
import { IndexCache } from '../../../broker/storage/index-cache.js';
import { offsetIndexPath } from '../../../broker/storage/log-files.js';
import { readFromSegment } from '../../../broker/storage/log-reader.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { Segment, type SegmentContext } from '../../../broker/storage/segment.js';
import { batch, decodeAll, logger, openLog, readAll, smallConfig, tempDir } from './helpers.js';

const SEGMENT_BYTES = 4096;
/** 80 appends of 5 records of 80 bytes (~500-byte batches) roll ~10 segments of SEGMENT_BYTES. */
const APPENDS = 80;
const RECORDS_PER_APPEND = 5;

/** Writes a log of many small segments and closes it; returns the segments' base offsets. */
async function writeLog(dir: string): Promise<number[]> {
  const log = await openLog(dir, smallConfig({ segmentBytes: SEGMENT_BYTES }));
  let last;
  for (let i = 0; i < APPENDS; i++) last = log.appendAsLeader(batch(RECORDS_PER_APPEND, { valueBytes: 80, tag: `a${i}` }), 0);
  await last!.written;
  const bases = log.segmentBaseOffsets();
  await log.close();
  return bases;
}

/** Opens every segment but the last (the active one at close) as a sealed segment. */
async function openSealed(dir: string, bases: number[], ctx: SegmentContext): Promise<Segment[]> {
  const out: Segment[] = [];
  for (let i = 0; i + 1 < bases.length; i++) {
    const seg = await Segment.openExisting(dir, bases[i]!, ctx);
    seg.assumeNextOffset(bases[i + 1]!);
    out.push(seg);
  }
  return out;
}

/** Reads a segment's first batches the way LocalLog.read does: held, indexes loaded. */
async function readHeld(seg: Segment): Promise<Buffer> {
  seg.acquire();
  try {
    await seg.loadIndexes();
    return Buffer.from((await readFromSegment(seg, seg.baseOffset, 1 << 20, seg.nextOffset, { verifyCrc: true, indexIntervalBytes: 256, name: 't-0' }))!);
  } finally {
    seg.release();
  }
}

describe('index cache', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let segments: Segment[] = [];
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    for (const s of segments) await s.abandon();
    segments = [];
    if (log && !log.isClosed) await log.close();
    log = undefined;
    IndexCache.shared.setBytesMax(INDEX_CACHE_BYTES_MAX);
    await cleanup();
  });

  it('keeps the loaded indexes of sealed segments within the budget, least recently used unloaded first', async () => {
    const bases = await writeLog(dir);
    expect(bases.length).toBeGreaterThanOrEqual(8);
    const cache = new IndexCache(Number.MAX_SAFE_INTEGER);
    segments = await openSealed(dir, bases, { config: smallConfig(), logger, indexCache: cache });
    // Measure one segment's index bytes, then allow about three segments' worth.
    await readHeld(segments[0]!);
    const perSegment = segments[0]!.indexBytes;
    expect(perSegment).toBeGreaterThan(0);
    cache.setBytesMax(3 * perSegment + perSegment / 2);
    for (const seg of segments) {
      await readHeld(seg);
      expect(cache.cachedBytes).toBeLessThanOrEqual(cache.bytesMax);
    }
    const loaded = segments.map((s) => s.indexesLoaded);
    // The three most recently read are kept; everything older was unloaded.
    expect(loaded.slice(-3)).toEqual([true, true, true]);
    expect(loaded.slice(0, -3).every((l) => !l)).toBe(true);
    expect(cache.unloadCount).toBe(segments.length - 3);
    expect(cache.size).toBe(3);
  });

  it('serves the same bytes after indexes were unloaded and reloaded', async () => {
    const bases = await writeLog(dir);
    const cache = new IndexCache(Number.MAX_SAFE_INTEGER);
    segments = await openSealed(dir, bases, { config: smallConfig(), logger, indexCache: cache });
    const first = [];
    for (const seg of segments) first.push(await readHeld(seg));
    const lookups = segments.map((s) => s.offsetIndex.lookup(s.nextOffset - 1));
    cache.setBytesMax(0);
    expect(segments.every((s) => !s.indexesLoaded)).toBe(true);
    expect(cache.cachedBytes).toBe(0);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      seg.acquire();
      await seg.loadIndexes();
      expect(seg.offsetIndex.lookup(seg.nextOffset - 1)).toEqual(lookups[i]);
      seg.release();
      expect(seg.indexesLoaded).toBe(false); // budget 0: unloaded as soon as released
      expect(await readHeld(seg)).toEqual(first[i]);
    }
  });

  it('never unloads the indexes of a segment a reader holds, nor of one being loaded', async () => {
    const bases = await writeLog(dir);
    const cache = new IndexCache(0);
    segments = await openSealed(dir, bases, { config: smallConfig(), logger, indexCache: cache });
    const [held, ...others] = segments;
    held!.acquire();
    const loading = held!.loadIndexes();
    cache.trim(); // while the load runs
    await loading;
    expect(held!.indexesLoaded).toBe(true);
    const before = held!.offsetIndex.lookup(held!.nextOffset - 1);
    for (const seg of others) await readHeld(seg);
    expect(others.every((s) => !s.indexesLoaded)).toBe(true);
    expect(held!.indexesLoaded).toBe(true);
    expect(held!.offsetIndex.lookup(held!.nextOffset - 1)).toEqual(before);
    expect(cache.cachedBytes).toBe(held!.indexBytes);
    held!.release();
    expect(held!.indexesLoaded).toBe(false);
    expect(cache.cachedBytes).toBe(0);
  });

  it('checks a reloaded index again when its file changed, and rebuilds it if broken', async () => {
    const bases = await writeLog(dir);
    const cache = new IndexCache(0);
    segments = await openSealed(dir, bases, { config: smallConfig(), logger, indexCache: cache });
    const seg = segments[1]!;
    const good = await readHeld(seg);
    expect(seg.indexesLoaded).toBe(false);
    // An entry pointing far past the log: only the sanity walk can notice it.
    await appendFile(offsetIndexPath(dir, seg.baseOffset), Buffer.from([0, 0, 0, 0x7f, 0x7f, 0, 0, 0]));
    expect(await readHeld(seg)).toEqual(good);
    seg.acquire();
    await seg.loadIndexes();
    expect(seg.offsetIndex.sanityCheck(seg.size, seg.nextOffset)).toBeUndefined();
    seg.release();
  });

  it('a partition log keeps appending, rolling and reading with a zero budget: the active segment keeps its indexes', async () => {
    IndexCache.shared.setBytesMax(0);
    log = await openLog(dir, smallConfig({ segmentBytes: SEGMENT_BYTES }));
    let last;
    for (let i = 0; i < APPENDS; i++) last = log.appendAsLeader(batch(RECORDS_PER_APPEND, { valueBytes: 80, tag: `a${i}` }), 0);
    await last!.written;
    expect(log.segmentCount).toBeGreaterThanOrEqual(8);
    expect(IndexCache.shared.cachedBytes).toBe(0);
    const records = await readAll(log);
    expect(records.map((r) => r.offset)).toEqual([...Array(APPENDS * RECORDS_PER_APPEND).keys()]);
    expect(records.map((r) => r.value)).toEqual(
      Array.from({ length: APPENDS * RECORDS_PER_APPEND }, (_, i) => `a${Math.floor(i / RECORDS_PER_APPEND)}-${i % RECORDS_PER_APPEND}`));
    // Reads from the middle of sealed segments and timestamp lookups reload indexes as needed.
    const mid = decodeAll((await log.read(97, 1, log.writtenEndOffset)).records);
    expect(mid[0]!.offset).toBeLessThanOrEqual(97);
    expect(mid.at(-1)!.offset).toBeGreaterThanOrEqual(97);
    expect(await log.offsetForTimestamp(1_700_000_000_003, log.writtenEndOffset)).toEqual({ offset: 3, timestamp: 1_700_000_000_003 });
    expect(IndexCache.shared.cachedBytes).toBe(0);
    const end = APPENDS * RECORDS_PER_APPEND;
    await log.appendAsLeader(batch(1), 0).written;
    expect((await readAll(log, end)).map((r) => r.offset)).toEqual([end]);
  });

  it('a retention pass after a restart loads only the indexes it needs to decide, and still deletes by time', async () => {
    const bases = await writeLog(dir);
    expect(bases.length).toBeGreaterThanOrEqual(8);
    // Record timestamps are 1_700_000_000_000 + i; a day's retention keeps them all at that time.
    const day = 86_400_000;
    log = await openLog(dir, smallConfig({ segmentBytes: SEGMENT_BYTES, retentionMs: day }));
    const loadedBefore = IndexCache.shared.size;
    expect(await log.deleteRetainedSegments(1_700_000_000_000 + 1000)).toBe(0);
    // The oldest segment is within retention, so no other sealed segment needs its indexes.
    expect(IndexCache.shared.size - loadedBefore).toBeLessThanOrEqual(1);
    // Two days later every sealed segment has expired: each is loaded to learn so, then deleted.
    expect(await log.deleteRetainedSegments(1_700_000_000_000 + 2 * day)).toBe(bases.length - 1);
    expect(log.logStartOffset).toBe(bases.at(-1));
  });
});
