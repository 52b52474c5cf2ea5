import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { Segment } from '../../../broker/storage/segment.js';
import { RELATIVE_OFFSET_MAX } from '../../../broker/storage/constants.js';
import { batch, logger, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('segment rolling', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    log = undefined;
    await cleanup();
  });

  it('rolls by size: no segment grows past segmentBytes and files are named by base offset', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 4096 }));
    const one = batch(5, { valueBytes: 80 });
    let last;
    for (let i = 0; i < 40; i++) last = log.appendAsLeader(Buffer.from(one), 0);
    await last!.written;
    expect(log.segmentCount).toBeGreaterThanOrEqual(5);
    const bases = log.segmentBaseOffsets();
    const logs = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    expect(logs).toEqual(bases.map((b) => `${String(b).padStart(20, '0')}.log`));
    for (const name of logs) expect((await stat(path.join(dir, name))).size).toBeLessThanOrEqual(4096);
    // Consecutive segments continue each other's offsets.
    expect(bases[0]).toBe(0);
    expect(bases.every((b) => b % 5 === 0)).toBe(true);
    expect((await readAll(log)).map((r) => r.offset)).toEqual([...Array(200).keys()]);
  });

  it('rolls by age only when the active segment has data and is older than segmentMs', async () => {
    log = await openLog(dir, smallConfig({ segmentMs: 60_000 }));
    await log.maybeRoll(Date.now() + 120_000);
    expect(log.segmentCount).toBe(1); // empty: nothing to roll
    await log.appendAsLeader(batch(3), 0).written;
    await log.maybeRoll(Date.now() + 30_000);
    expect(log.segmentCount).toBe(1);
    await log.maybeRoll(Date.now() + 120_000);
    expect(log.segmentBaseOffsets()).toEqual([0, 3]);
    await log.appendAsLeader(batch(2), 0).written;
    expect((await readAll(log)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rolls by age on append once the active segment is older than segmentMs', async () => {
    log = await openLog(dir, smallConfig({ segmentMs: 1 }));
    await log.appendAsLeader(batch(1), 0).written;
    await new Promise((r) => setTimeout(r, 5));
    await log.appendAsLeader(batch(1), 0).written;
    expect(log.segmentBaseOffsets()).toEqual([0, 1]);
  });

  it('rolls when the offset index is full', async () => {
    // 64-byte index files: 8 offset entries; an entry per batch with indexIntervalBytes 0.
    log = await openLog(dir, smallConfig({ segmentIndexBytes: 64, indexIntervalBytes: 0 }));
    for (let i = 0; i < 20; i++) await log.appendAsLeader(batch(1, { timestamp: 1000 }), 0).written;
    expect(log.segmentBaseOffsets()).toEqual([0, 8, 16]);
    expect((await readAll(log)).length).toBe(20);
  });

  it('rolls when the time index is full (one slot kept for the seal entry)', async () => {
    // 64 bytes hold 5 time entries; 4 are usable for growing timestamps.
    log = await openLog(dir, smallConfig({ segmentIndexBytes: 64, indexIntervalBytes: 0 }));
    for (let i = 0; i < 10; i++) await log.appendAsLeader(batch(1, { timestamp: 1000 + i }), 0).written;
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8]);
  });

  it('asks for a roll before a relative offset would overflow a u32', async () => {
    const config = smallConfig();
    const seg = await Segment.create(dir, 0, { config, logger });
    seg.placeBatch(0, 0, 1, 100, config.indexIntervalBytes);
    expect(seg.rollReason(100, RELATIVE_OFFSET_MAX, Date.now(), config)).toBeUndefined();
    expect(seg.rollReason(100, RELATIVE_OFFSET_MAX + 1, Date.now(), config)).toBe('offset');
    await seg.abandon();
  });
});
