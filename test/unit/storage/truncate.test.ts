import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../proto/errors.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('LocalLog.truncateTo', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    log = undefined;
    await cleanup();
  });

  async function filled(): Promise<LocalLog> {
    const l = await openLog(dir, smallConfig({ segmentBytes: 1024, indexIntervalBytes: 100 }));
    for (let i = 0; i < 40; i++) l.appendAsLeader(batch(3, { valueBytes: 20, tag: `b${i}`, timestamps: [i * 10, i * 10 + 1, i * 10 + 2] }), 0);
    await l.flush();
    return l;
  }

  it('drops whole batches at and after the offset, across segments, and fixes the indexes', async () => {
    log = await filled();
    const segmentsBefore = log.segmentCount;
    await log.truncateTo(31); // inside the batch [30, 32]
    expect(log.logEndOffset).toBe(30);
    expect(log.writtenEndOffset).toBe(30);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    expect((await readAll(log)).map((r) => r.offset)).toEqual([...Array(30).keys()]);
    const logs = (await readdir(dir)).filter((n) => n.endsWith('.log'));
    expect(logs.length).toBe(log.segmentCount);
    // Appends continue at the new end, and time lookups ignore the dropped batches.
    await log.appendAsLeader(batch(2, { tag: 'new', timestamps: [5_000, 5_001] }), 0).written;
    expect(log.logEndOffset).toBe(32);
    expect(await log.offsetForTimestamp(300, log.writtenEndOffset)).toEqual({ offset: 30, timestamp: 5_000 });
    const recs = await readAll(log, 29);
    expect(recs.map((r) => r.value)).toEqual(['b9-2', 'new-0', 'new-1']);
  });

  it('survives a clean reopen after truncating into a sealed segment', async () => {
    log = await filled();
    await log.truncateTo(9);
    await log.appendAsLeader(batch(1, { tag: 'after' }), 0).written;
    await log.close();
    log = await openLog(dir, smallConfig({ segmentBytes: 1024, indexIntervalBytes: 100 }));
    expect(log.logEndOffset).toBe(10);
    expect((await readAll(log)).map((r) => r.value).slice(-2)).toEqual(['b2-2', 'after-0']);
  });

  it('survives an unclean reopen: truncated bytes do not come back', async () => {
    log = await filled();
    await log.truncateTo(60);
    await log.appendAsLeader(batch(3, { valueBytes: 20, tag: 'x' }), 0).written;
    await log.abandon();
    log = await openLog(dir, smallConfig({ segmentBytes: 1024, indexIntervalBytes: 100 }), { recover: true });
    expect(log.logEndOffset).toBe(63);
    expect((await readAll(log)).map((r) => r.value).slice(-4)).toEqual(['b19-2', 'x-0', 'x-1', 'x-2']);
  });

  it('empties the log when truncating to its start, and ignores offsets past the end', async () => {
    log = await filled();
    await log.truncateTo(1000);
    expect(log.logEndOffset).toBe(120);
    await log.truncateTo(0);
    expect(log.logEndOffset).toBe(0);
    expect(log.segmentCount).toBe(1);
    expect(log.sizeBytes).toBe(0);
    await log.appendAsLeader(batch(1), 0).written;
    expect((await readAll(log)).map((r) => r.offset)).toEqual([0]);
  });

  it('makes appends made while it runs fail instead of racing it', async () => {
    log = await filled();
    const running = log.truncateTo(3);
    expect(() => log!.appendAsLeader(batch(1), 0)).toThrow(StorageError);
    await running;
    expect(log.appendAsLeader(batch(1), 0).baseOffset).toBe(3);
  });
});
