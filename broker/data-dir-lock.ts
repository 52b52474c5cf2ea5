/**
 * One broker per data directory. Two brokers appending to the same segment files would
 * interleave batches and corrupt both logs, so start-up takes `<dataDir>/.lock`, a file holding
 * the owner's pid, created exclusively. A lock left by a process that no longer exists (a broker
 * killed with SIGKILL) is stale and taken over; a live owner makes start-up fail.
 *
 * Not flock(2): Node has no portable binding for it, and a pid file is enough for the case that
 * matters (a second broker started by mistake on the same machine).
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../proto/errors.js';

export const DATA_DIR_LOCK_FILE = '.lock';

export class DataDirLock {
  private constructor(private readonly path: string) {}

  /** Takes the lock or throws StorageError naming the live owner. */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    const path = join(dataDir, DATA_DIR_LOCK_FILE);
    // Two tries: the second follows removing a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(`${process.pid}\n`);
        await fh.close();
        return new DataDirLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StorageError(`cannot lock data directory ${dataDir}`, { cause: err });
        }
      }
      const owner = await readOwner(path);
      if (owner !== null && owner !== process.pid && isAlive(owner)) {
        throw new StorageError(`data directory ${dataDir} is in use by another broker (pid ${owner})`);
      }
      await unlink(path).catch(() => undefined);
    }
    throw new StorageError(`data directory ${dataDir} is being locked by another broker`);
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
