/**
 * The log cleaner on real logs: what a pass keeps (latest value per key, tombstones until
 * delete.retention.ms, producers' last batches), what it never touches (the active segment,
 * offsets), and how passes follow each other (checkpointed progress, a map too small for one pass).
 */
import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogCleaner } from '../../../../broker/storage/cleaner/log-cleaner.js';
import type { LocalLog } from '../../../../broker/storage/local-log.js';
import type { LogManager } from '../../../../broker/storage/log-manager.js';
import { tempDir } from '../helpers.js';
import { compactConfig, fold, keyed, newCleaner, openManager, readLog, type Put } from './helpers.js';

const T0 = 1_800_000_000_000;

describe('LogCleaner', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let manager: LogManager;
  let cleaner: LogCleaner;
  let now = T0;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('strata-cleaner-'));
    now = T0;
  });
  afterEach(async () => {
    await cleaner?.stop();
    await manager?.close();
    await cleanup();
  });

  async function open(config = compactConfig(), cleanerBytes = 1 << 20): Promise<LocalLog> {
    manager = await openManager(dir, config);
    cleaner = newCleaner({ now: () => now, bufferBytes: cleanerBytes });
    cleaner.addSource(manager);
    return manager.openLog('t', 0, config);
  }

  async function put(log: LocalLog, records: Put[], opts = {}): Promise<void> {
    await log.appendAsLeader(keyed(records.map((r) => ({ timestamp: now, ...r })), opts), 0).written;
  }

  it('keeps the latest record of every key at its offset, and never touches the active segment', async () => {
    const log = await open();
    for (let round = 0; round < 8; round++) {
      for (let k = 0; k < 5; k++) await put(log, [{ key: `k${k}`, value: `r${round}-k${k}-${'x'.repeat(60)}` }]);
    }
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    await put(log, [{ key: 'k0', value: 'in the active segment' }]);
    const before = await readLog(log);
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const result = await cleaner.cleanLog(log, manager);
    expect(result).toMatchObject({ aborted: false, mapEnd: activeBase });
    expect(result!.swapped).toBeGreaterThan(0);
    const after = await readLog(log);
    expect(fold(after.records)).toEqual(fold(before.records));
    // Below the active segment: one record per key, each its key's latest there, at its own offset.
    const cleaned = after.records.filter((r) => r.offset < activeBase);
    expect(cleaned.map((r) => r.key).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    for (const r of cleaned) expect(before.records.find((b) => b.offset === r.offset)).toEqual(r);
    expect(after.records.filter((r) => r.offset >= activeBase)).toEqual(before.records.filter((r) => r.offset >= activeBase));
    expect(log.logEndOffset).toBe(41);
    expect(log.sizeBytes).toBeLessThan(before.records.length * 60);
    // Nothing is left of the swap but the cleaned files (replaced ones are removed in the background).
    await cleaner.stop();
    const files = await readdir(`${dir}/t-0`);
    expect(files.filter((f) => !/^\d{20}\.(log|index|timeindex)$/.test(f))).toEqual([]);
  });

  it('keeps tombstones for delete.retention.ms after their timestamp, then drops them with their key', async () => {
    const log = await open(compactConfig({ deleteRetentionMs: 10_000 }));
    await put(log, [{ key: 'a', value: '1' }, { key: 'b', value: '1' }, { key: 'c', value: '1' }]);
    await put(log, [{ key: 'a', value: null }, { key: 'b', value: '2' }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    await put(log, [{ key: 'z', value: 'active' }]);
    await cleaner.cleanLog(log, manager);
    let records = (await readLog(log)).records;
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([[2, 'c', '1'], [3, 'a', null], [4, 'b', '2'], [5, 'z', 'active']]);
    now += 10_001;
    // Nothing new is dirty: a pass over the clean part drops the expired tombstone.
    manager.setFirstDirtyOffset(log, 0);
    await cleaner.cleanLog(log, manager);
    records = (await readLog(log)).records;
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([[2, 'c', '1'], [4, 'b', '2'], [5, 'z', 'active']]);
  });

  it('drops records without a key, and keeps each producer\'s last batch as a header when all its records go', async () => {
    // Keyless records can only be there from before the topic turned compacted: appends refuse them since.
    const log = await open(compactConfig({ cleanupPolicy: 'delete' }));
    await put(log, [{ key: null, value: 'keyless' }, { key: 'p', value: 'v1' }], { producerId: 9, producerEpoch: 0, baseSequence: 0 });
    log.config = compactConfig();
    expect(() => log.appendAsLeader(keyed([{ key: null, value: 'late' }]), 0)).toThrow(/needs a key/);
    await put(log, [{ key: 'p', value: 'v2' }], { producerId: 8, producerEpoch: 0, baseSequence: 0 });
    await put(log, [{ key: 'p', value: 'v3' }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    await put(log, [{ key: 'z', value: 'active' }]);
    await cleaner.cleanLog(log, manager);
    const { records } = await readLog(log);
    expect(records.map((r) => [r.offset, r.value])).toEqual([[3, 'v3'], [4, 'active']]);
    const headers = [];
    for await (const h of log.scanBatchHeaders(0, log.writtenEndOffset)) headers.push(h);
    expect(headers.map((h) => [h.baseOffset, h.lastOffsetDelta, h.recordsCount, h.producerId])).toEqual([
      [0, 1, 0, 9], [2, 0, 0, 8], [3, 0, 1, -1], [4, 0, 1, -1],
    ]);
  });

  it('checkpoints its progress: the next pass maps only what was written since, and survives a restart', async () => {
    const config = compactConfig();
    let log = await open(config);
    for (let i = 0; i < 30; i++) await put(log, [{ key: `k${i % 3}`, value: `v${i}-${'y'.repeat(80)}` }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    const first = await cleaner.cleanLog(log, manager);
    expect(first).toMatchObject({ firstDirtyOffset: 0, mapEnd: 30 });
    expect(await cleaner.cleanLog(log, manager)).toBeNull(); // nothing dirty
    await cleaner.stop();
    await manager.close();
    manager = await openManager(dir, config);
    cleaner = newCleaner({ now: () => now });
    log = await manager.openLog('t', 0, config);
    expect(await cleaner.cleanLog(log, manager)).toBeNull();
    for (let i = 30; i < 40; i++) await put(log, [{ key: `k${i % 3}`, value: `v${i}` }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    const next = await cleaner.cleanLog(log, manager);
    expect(next).toMatchObject({ firstDirtyOffset: 30, mapEnd: 40, recordsMapped: 10 });
    expect(fold((await readLog(log)).records)).toEqual(new Map([['k0', 'v39'], ['k1', 'v37'], ['k2', 'v38']]));
  });

  it('cleans in several passes when the map cannot hold every dirty key', async () => {
    // 64 KiB of map: 3 Ki keys per pass, for 10 Ki distinct keys.
    const log = await open(compactConfig({ segmentBytes: 64 * 1024 }), 64 * 1024);
    for (let round = 0; round < 2; round++) {
      for (let b = 0; b < 100; b++) {
        await put(log, Array.from({ length: 100 }, (_, i) => ({ key: `key-${b * 100 + i}`, value: `r${round}` })));
      }
    }
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    const ends: number[] = [];
    for (let pass = 0; pass < 10; pass++) {
      const r = await cleaner.cleanLog(log, manager);
      if (r === null) break;
      ends.push(r.mapEnd);
    }
    expect(ends.length).toBeGreaterThan(2);
    expect(ends.at(-1)).toBe(20_000);
    const { records } = await readLog(log);
    expect(records).toHaveLength(10_000);
    expect(records.every((r) => r.value === 'r1')).toBe(true);
  });

  it('leaves records younger than min.compaction.lag.ms alone', async () => {
    const log = await open(compactConfig({ minCompactionLagMs: 5_000 }));
    await put(log, [{ key: 'a', value: 'old' }], {});
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    now += 10_000;
    await put(log, [{ key: 'a', value: 'new' }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    await put(log, [{ key: 'a', value: 'active' }]);
    const r = await cleaner.cleanLog(log, manager);
    // Only the first segment is old enough: the map ends at its end, so 'old' is not superseded yet.
    expect(r).toMatchObject({ mapEnd: 1 });
    expect((await readLog(log)).records.map((x) => x.value)).toEqual(['old', 'new', 'active']);
    now += 10_000;
    await cleaner.cleanLog(log, manager);
    expect((await readLog(log)).records.map((x) => x.value)).toEqual(['new', 'active']);
  });

  it('picks the dirtiest due log and skips logs below min.cleanable.dirty.ratio', async () => {
    const config = compactConfig({ minCleanableDirtyRatio: 0.5 });
    const log = await open(config);
    const other = await manager.openLog('u', 0, config);
    for (const l of [log, other]) {
      for (let i = 0; i < 20; i++) await put(l, [{ key: `k${i % 2}`, value: 'x'.repeat(100) }]);
      await l.maybeRoll(Number.MAX_SAFE_INTEGER);
    }
    for (let i = 0; i < 20; i++) await put(other, [{ key: `k${i % 2}`, value: 'y'.repeat(100) }]);
    await other.maybeRoll(Number.MAX_SAFE_INTEGER);
    const dirtiness = cleaner.dirtiness();
    expect(dirtiness.map((d) => d.due)).toEqual([true, true]);
    const first = await cleaner.cleanDirtiest();
    const second = await cleaner.cleanDirtiest();
    expect(new Set([first!.topic, second!.topic])).toEqual(new Set(['t', 'u']));
    // Both clean now; a little new dirt is below the ratio.
    await put(log, [{ key: 'k0', value: 'z' }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    expect(await cleaner.cleanDirtiest()).toBeNull();
  });
});
