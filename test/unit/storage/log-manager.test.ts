import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../broker/storage/log-manager.js';
import { CLEAN_SHUTDOWN_FILE, RECOVERY_CHECKPOINT_FILE } from '../../../broker/storage/log-files.js';
import { batch, logger, smallConfig, tempDir } from './helpers.js';

describe('LogManager', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const managers: LogManager[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close().catch(() => undefined);
    await cleanup();
  });

  async function openManager(): Promise<LogManager> {
    const m = await LogManager.open({ dataDir: dir, logger, defaultConfig: smallConfig() });
    managers.push(m);
    return m;
  }

  it('creates partition directories and reports a clean shutdown after close', async () => {
    const m1 = await openManager();
    expect(m1.cleanShutdown).toBe(false);
    const log = await m1.openLog('orders', 3, smallConfig());
    expect(log.dir).toBe(path.join(dir, 'orders-3'));
    expect(m1.getLog('orders', 3)).toBe(log);
    await log.appendAsLeader(batch(5), 0).written;
    await m1.close();
    await stat(path.join(dir, CLEAN_SHUTDOWN_FILE));
    expect(await readFile(path.join(dir, RECOVERY_CHECKPOINT_FILE), 'utf8')).toBe('0\n1\norders 3 5\n');

    const m2 = await openManager();
    expect(m2.cleanShutdown).toBe(true);
    await expect(stat(path.join(dir, CLEAN_SHUTDOWN_FILE))).rejects.toThrow();
    const again = await m2.openLog('orders', 3, smallConfig());
    expect(again.logEndOffset).toBe(5);
    expect([...m2.logs()]).toEqual([again]);
  });

  it('treats a run that never closed as unclean and recovers the log', async () => {
    const m1 = await openManager();
    const log = await m1.openLog('t', 0, smallConfig());
    await log.appendAsLeader(batch(7), 0).written;
    managers.splice(0); // simulate a crash: never closed
    const m2 = await openManager();
    expect(m2.cleanShutdown).toBe(false);
    const again = await m2.openLog('t', 0, smallConfig());
    expect(again.logEndOffset).toBe(7);
    await log.close();
  });

  it('recovers from scratch when the checkpoint is missing or garbled', async () => {
    for (const damage of ['missing', 'garbled'] as const) {
      const m1 = await openManager();
      const log = await m1.openLog('t', 0, smallConfig({ segmentBytes: 1024 }));
      for (let i = 0; i < 20; i++) log.appendAsLeader(batch(2, { valueBytes: 50 }), 0);
      await log.flush();
      await m1.checkpoint(); // recovery point 40, in the last segment
      const secondBase = log.segmentBaseOffsets()[1]!;
      await log.abandon(); // crash
      managers.splice(0);
      // Corrupt the last batch of the first segment: only a scan from offset 0 notices it.
      const file = path.join(dir, 't-0', '00000000000000000000.log');
      const data = await readFile(file);
      data[data.length - 1] ^= 0xff;
      await writeFile(file, data);
      if (damage === 'missing') await rm(path.join(dir, RECOVERY_CHECKPOINT_FILE));
      else await writeFile(path.join(dir, RECOVERY_CHECKPOINT_FILE), '0\n1\nt 0\n');
      const m2 = await openManager();
      const again = await m2.openLog('t', 0, smallConfig({ segmentBytes: 1024 }));
      expect(again.logEndOffset).toBe(secondBase - 2);
      expect(again.segmentCount).toBe(1);
      await m2.close();
      managers.splice(0);
      await rm(path.join(dir, 't-0'), { recursive: true });
    }
  });

  it('scans only from the checkpointed recovery point after a crash', async () => {
    const m1 = await openManager();
    const log = await m1.openLog('t', 0, smallConfig({ segmentBytes: 1024 }));
    for (let i = 0; i < 20; i++) log.appendAsLeader(batch(2, { valueBytes: 50 }), 0);
    await log.flush();
    expect(log.segmentCount).toBeGreaterThan(2);
    await m1.checkpoint();
    expect(await readFile(path.join(dir, RECOVERY_CHECKPOINT_FILE), 'utf8')).toBe('0\n1\nt 0 40\n');
    await log.abandon();
    managers.splice(0);
    // Damage in the first segment stays unnoticed: it is before the recovery point.
    const file = path.join(dir, 't-0', '00000000000000000000.log');
    const data = await readFile(file);
    data[data.length - 1] ^= 0xff;
    await writeFile(file, data);
    const m2 = await openManager();
    const again = await m2.openLog('t', 0, smallConfig({ segmentBytes: 1024 }));
    expect(again.logEndOffset).toBe(40);
  });

  it('runs interval flushes, age rolls, retention and checkpoints on its timers', async () => {
    const m = await LogManager.open({
      dataDir: dir, logger, defaultConfig: smallConfig(),
      intervals: { tickMs: 5, rollCheckMs: 5, retentionCheckMs: 5, checkpointMs: 5 },
    });
    managers.push(m);
    const log = await m.openLog('t', 0, smallConfig({ flushPolicy: 'interval', flushIntervalMs: 10, segmentMs: 20, retentionMs: 60_000 }));
    log.appendAsLeader(batch(1, { timestamp: 1 }), 0); // ancient record: past retention once its segment is sealed
    m.start();
    const checkpoint = (): Promise<string> => readFile(path.join(dir, RECOVERY_CHECKPOINT_FILE), 'utf8').catch(() => '');
    const deadline = Date.now() + 5_000;
    while ((log.logStartOffset === 0 || (await checkpoint()) !== '0\n1\nt 0 1\n') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(log.stats.syncs).toBeGreaterThan(0);
    expect(log.stats.rolls).toBeGreaterThan(0);
    expect(log.logStartOffset).toBe(1);
    expect(await checkpoint()).toBe('0\n1\nt 0 1\n');
  });

  it('removes leftovers of interrupted deletions and checkpoint writes at start-up', async () => {
    await mkdir(path.join(dir, 'gone-0.1700000000000-delete'), { recursive: true });
    await writeFile(path.join(dir, 'gone-0.1700000000000-delete', '00000000000000000000.log'), 'x');
    await writeFile(path.join(dir, `${RECOVERY_CHECKPOINT_FILE}.tmp`), 'half');
    const m = await openManager();
    await m.deletesSettled();
    expect(await readdir(dir)).toEqual([]);
    const [a, b] = await Promise.all([m.openLog('t', 0, smallConfig()), m.openLog('t', 0, smallConfig())]);
    expect(a).toBe(b);
  });

  it('deletes every partition directory of a topic', async () => {
    const m = await openManager();
    await m.openLog('a', 0, smallConfig());
    await m.openLog('a', 1, smallConfig());
    await m.openLog('a-b', 0, smallConfig());
    await m.deleteLogs('a');
    await m.deletesSettled();
    expect(m.getLog('a', 0)).toBeUndefined();
    await expect(stat(path.join(dir, 'a-0'))).rejects.toThrow();
    await expect(stat(path.join(dir, 'a-1'))).rejects.toThrow();
    await stat(path.join(dir, 'a-b-0'));
  });
});
