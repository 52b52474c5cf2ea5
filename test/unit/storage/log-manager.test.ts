import { readFile, stat } from 'node:fs/promises';
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
    await log.append(batch(5)).written;
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
    await log.append(batch(7)).written;
    managers.splice(0); // simulate a crash: never closed
    const m2 = await openManager();
    expect(m2.cleanShutdown).toBe(false);
    const again = await m2.openLog('t', 0, smallConfig());
    expect(again.logEndOffset).toBe(7);
    await log.close();
  });

  it('deletes every partition directory of a topic', async () => {
    const m = await openManager();
    await m.openLog('a', 0, smallConfig());
    await m.openLog('a', 1, smallConfig());
    await m.openLog('a-b', 0, smallConfig());
    await m.deleteLogs('a');
    expect(m.getLog('a', 0)).toBeUndefined();
    await expect(stat(path.join(dir, 'a-0'))).rejects.toThrow();
    await expect(stat(path.join(dir, 'a-1'))).rejects.toThrow();
    await stat(path.join(dir, 'a-b-0'));
  });
});
