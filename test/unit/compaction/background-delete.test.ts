/**
 * Background topic deletion in storage (LogManager.deleteLogs + DirDeleter): the delete returns
 * once the directories are renamed aside, the name is reusable at once, files shrink step by
 * step while another partition keeps appending and fsyncing, and a delete cut short (a crash, a
 * shutdown) is carried on by the next start.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../broker/storage/log-manager.js';
import { DELETE_DIR_SUFFIX } from '../../../broker/storage/log-files.js';
import { batch, logger, smallConfig, tempDir } from '../storage/helpers.js';

const STEP_BYTES = 64 * 1024;
/** Slow pacing, so the test can watch the deletion in progress. */
const PAUSE_MS = 15;
const SEGMENT_BYTES = 1024 * 1024;

let dir: string;
let cleanup: () => Promise<void>;
const managers: LogManager[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('strata-delete-'));
});

afterEach(async () => {
  for (const m of managers.splice(0)) await m.close().catch(() => undefined);
  await cleanup();
});

async function openManager(): Promise<LogManager> {
  const m = await LogManager.open({ dataDir: dir, logger, defaultConfig: smallConfig(), dirDelete: { stepBytes: STEP_BYTES, pauseMs: PAUSE_MS } });
  managers.push(m);
  return m;
}

async function deleteDirs(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(DELETE_DIR_SUFFIX));
}

/** Size of each file in the directories renamed aside. */
async function leftoverBytes(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const d of await deleteDirs()) {
    for (const f of await readdir(path.join(dir, d)).catch(() => [] as string[])) {
      const size = await stat(path.join(dir, d, f)).then((s) => s.size, () => -1);
      if (size >= 0) out.set(`${d}/${f}`, size);
    }
  }
  return out;
}

/** A topic log of about `bytes` in 1 MiB segments. */
async function bigLog(m: LogManager, topic: string, bytes: number): Promise<void> {
  const log = await m.openLog(topic, 0, smallConfig({ segmentBytes: SEGMENT_BYTES }));
  const one = batch(60, { valueBytes: 1000 });
  for (let written = 0; written < bytes; written += one.length) await log.appendAsLeader(one, 0).written;
  await log.flush();
}

describe('background topic deletion', () => {
  it('answers once the directories are renamed aside; the name is reusable; files shrink stepwise while another partition appends and fsyncs', async () => {
    const m = await openManager();
    await bigLog(m, 'big', 3 * SEGMENT_BYTES);
    const live = await m.openLog('live', 0, smallConfig({ flushPolicy: 'always' }));
    await m.deleteLogs('big');
    const initial = await leftoverBytes();
    // Gone under its name at once, its files still there under the renamed directory.
    expect([...initial.values()].filter((b) => b > SEGMENT_BYTES / 2).length).toBeGreaterThanOrEqual(2);
    await expect(stat(path.join(dir, 'big-0'))).rejects.toThrow();
    expect(await deleteDirs()).toHaveLength(1);
    expect(m.deletesPending).toBe(1);
    const reused = await m.openLog('big', 0, smallConfig());
    expect(reused.logEndOffset).toBe(0);

    // Appends with fdatasync complete while the delete is still under way: they do not wait for it.
    for (let i = 0; i < 5; i++) await live.appendAsLeader(batch(1), 0).durable;
    expect(m.deletesPending).toBe(1);

    // Watch a file part-way shrunk: neither its full size nor gone.
    let sawPartial = false;
    while (m.deletesPending > 0 && !sawPartial) {
      for (const [file, size] of await leftoverBytes()) if (size > 0 && size < initial.get(file)!) sawPartial = true;
      await new Promise((r) => setTimeout(r, 3));
    }
    expect(sawPartial).toBe(true);
    await m.deletesSettled();
    expect(await deleteDirs()).toEqual([]);
    expect(live.logEndOffset).toBe(5);
    expect((await stat(path.join(dir, 'big-0'))).isDirectory()).toBe(true);
  });

  it('stops at the next step on close and carries on at the next start, in the background', async () => {
    const m1 = await openManager();
    await bigLog(m1, 'big', 2 * SEGMENT_BYTES);
    await m1.deleteLogs('big');
    await new Promise((r) => setTimeout(r, 3 * PAUSE_MS));
    await m1.close();
    expect(await deleteDirs()).toHaveLength(1);

    const m2 = await openManager();
    // Opened without waiting for the removal.
    expect(m2.deletesPending).toBe(1);
    await m2.deletesSettled();
    expect(await deleteDirs()).toEqual([]);
  });

  it('resumes a delete a crash cut short: a half-shrunk file, a bare directory', async () => {
    const half = path.join(dir, `gone-0.1700000000000.0${DELETE_DIR_SUFFIX}`);
    await mkdir(half, { recursive: true });
    await writeFile(path.join(half, '00000000000000000000.log.deleted'), Buffer.alloc(5 * STEP_BYTES));
    await writeFile(path.join(half, '00000000000000000000.index'), Buffer.alloc(10));
    await mkdir(path.join(dir, `gone-1.1700000000000.1${DELETE_DIR_SUFFIX}`));
    const m = await openManager();
    await m.deletesSettled();
    expect(await readdir(dir)).not.toContain(expect.stringMatching(/-delete$/));
    expect(await deleteDirs()).toEqual([]);
  });
});
