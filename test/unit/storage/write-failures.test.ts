import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotEnoughSpaceError, StorageError } from '../../../proto/errors.js';
import { ioError, type FaultInjector } from '../../../broker/storage/file-io.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('write and fsync failures', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.abandon();
    log = undefined;
    await cleanup();
  });

  it('fails the append and everything queued after it on ENOSPC, cuts the file back, and recovers', async () => {
    let failNext = false;
    const faults: FaultInjector = {
      // A torn write: the first 30 bytes land, then the disk is full.
      write: (_file, _bytes) => (failNext ? ((failNext = false), { bytesWritten: 30, error: ioError('ENOSPC') }) : undefined),
    };
    log = await openLog(dir, smallConfig(), { faults });
    await log.appendAsLeader(batch(3, { tag: 'ok' }), 0).written;
    const sizeBefore = (await stat(path.join(dir, '00000000000000000000.log'))).size;
    failNext = true;
    const failed = [log.appendAsLeader(batch(2), 0), log.appendAsLeader(batch(2), 0), log.appendAsLeader(batch(2), 0)];
    for (const r of failed) await expect(r.written).rejects.toBeInstanceOf(NotEnoughSpaceError);
    await expect(failed[0]!.durable).rejects.toBeInstanceOf(NotEnoughSpaceError);
    expect(log.logEndOffset).toBe(3);
    expect(log.healthy).toBe(true);
    await log.flush();
    expect((await stat(path.join(dir, '00000000000000000000.log'))).size).toBe(sizeBefore);
    expect((await readAll(log)).map((r) => r.value)).toEqual(['ok-0', 'ok-1', 'ok-2']);
    // Space is back: appends succeed at the rewound offset.
    const again = log.appendAsLeader(batch(1, { tag: 'again' }), 0);
    expect(again.baseOffset).toBe(3);
    await again.written;
    expect((await readAll(log)).map((r) => r.value)).toEqual(['ok-0', 'ok-1', 'ok-2', 'again-0']);
    await log.close();
    log = await openLog(dir, smallConfig(), { recover: true });
    expect(log.logEndOffset).toBe(4);
  });

  it('reports other write errors as StorageError', async () => {
    let fail = true;
    log = await openLog(dir, smallConfig(), {
      faults: { write: () => (fail ? ((fail = false), { bytesWritten: 0, error: ioError('EIO') }) : undefined) },
    });
    const r = log.appendAsLeader(batch(1), 0);
    await expect(r.written).rejects.toBeInstanceOf(StorageError);
    await expect(r.written).rejects.not.toBeInstanceOf(NotEnoughSpaceError);
    await log.appendAsLeader(batch(1), 0).written;
  });

  it('marks the log unhealthy after a failed fsync and never acknowledges again', async () => {
    let failSync = false;
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }), {
      faults: { sync: () => { if (failSync) throw ioError('EIO', 'EIO: i/o error, fdatasync'); } },
    });
    await log.appendAsLeader(batch(2), 0).durable;
    failSync = true;
    const r = log.appendAsLeader(batch(2), 0);
    await r.written;
    await expect(r.durable).rejects.toBeInstanceOf(StorageError);
    expect(log.healthy).toBe(false);
    expect(log.durableEndOffset).toBe(2);
    failSync = false; // even if the disk "recovers", the log does not retry blindly
    expect(() => log!.appendAsLeader(batch(1), 0)).toThrow(StorageError);
    await expect(log.flush()).rejects.toBeInstanceOf(StorageError);
    // Reads bounded by the durable end keep working.
    expect((await readAll(log, 0, 1 << 20, log.durableEndOffset)).map((x) => x.offset)).toEqual([0, 1]);
    await expect(log.close()).rejects.toBeInstanceOf(StorageError);
    // Reopening recovers and serves everything that reached the file.
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }), { recover: true });
    expect(log.healthy).toBe(true);
    expect(log.logEndOffset).toBe(4);
  });

  it('makes a new log\'s directory entries durable with its first flush, before anything is durable', async () => {
    const synced: string[] = [];
    let failDirs = false;
    const faults: FaultInjector = {
      sync: (file) => {
        synced.push(file);
        if (failDirs && !file.endsWith('.log')) throw ioError('EIO');
      },
    };
    const parent = path.join(dir, 'fresh');
    const partitionDir = path.join(parent, 'p-0');
    await mkdir(parent);
    log = await openLog(partitionDir, smallConfig({ flushPolicy: 'always' }), { faults, createdIn: parent });
    expect(synced).toEqual([]); // nothing at creation
    await log.appendAsLeader(batch(1), 0).durable;
    // The parent (which gained the directory), the directory (which gained the segment), then the data.
    expect(synced).toEqual([parent, partitionDir, path.join(partitionDir, '00000000000000000000.log')]);
    await log.appendAsLeader(batch(1), 0).durable;
    expect(synced.filter((f) => !f.endsWith('.log'))).toEqual([parent, partitionDir]); // once only
    await log.close();

    // A directory fsync that fails fails the first durable append, like an fdatasync failure.
    synced.length = 0;
    failDirs = true;
    const other = path.join(parent, 'p-1');
    log = await openLog(other, smallConfig({ flushPolicy: 'always' }), { faults, createdIn: parent });
    await expect(log.appendAsLeader(batch(1), 0).durable).rejects.toBeInstanceOf(StorageError);
    expect(log.healthy).toBe(false);
  });
});
