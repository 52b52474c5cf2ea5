import { afterEach, describe, expect, it } from 'vitest';
import { LogManager, type StorageMemory } from '../../../broker/storage/log-manager.js';
import { batch, logger, readAll, smallConfig, tempDir } from './helpers.js';

describe('storage cache budgets per LogManager', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const managers: LogManager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close().catch(() => undefined);
    for (const c of cleanups.splice(0)) await c();
  });

  async function manager(memory?: Partial<StorageMemory>): Promise<LogManager> {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const m = await LogManager.open({ dataDir: dir, logger, defaultConfig: smallConfig({ segmentBytes: 4096 }), memory });
    managers.push(m);
    return m;
  }

  /** Appends 40 batches (~10 sealed segments) and reads everything back twice. */
  async function exercise(m: LogManager): Promise<{ cacheReads: number; fileReads: number }> {
    const log = await m.openLog('t', 0);
    for (let i = 0; i < 40; i++) await log.appendAsLeader(batch(3, { tag: `b${i}`, valueBytes: 300 }), 0).written;
    for (let pass = 0; pass < 2; pass++) expect((await readAll(log)).map((r) => r.offset)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // The newest batch: answered from the tail cache when there is one.
    await log.read(119, 1 << 20, log.writtenEndOffset);
    return { cacheReads: log.stats.cacheReads, fileReads: log.stats.fileReads };
  }

  it('tailCacheBytes 0 sends every read to the files; the default answers tail reads from memory', async () => {
    const off = await exercise(await manager({ tailCacheBytes: 0 }));
    expect(off.cacheReads).toBe(0);
    expect(off.fileReads).toBeGreaterThan(0);
    const on = await exercise(await manager());
    expect(on.cacheReads).toBeGreaterThan(0);
  });

  it('each manager has its own index budget, and indexCacheBytes 0 keeps no sealed index loaded', async () => {
    const tight = await manager({ indexCacheBytes: 0 });
    const roomy = await manager({ indexCacheBytes: 1 << 20 });
    await exercise(tight);
    await exercise(roomy);
    expect(tight.memoryUse.indexCacheBytesMax).toBe(0);
    expect(tight.memoryUse.indexCacheBytes).toBe(0);
    expect(roomy.memoryUse.indexCacheBytesMax).toBe(1 << 20);
    expect(roomy.memoryUse.indexCacheBytes).toBeGreaterThan(0);
  });
});
