/**
 * Small metadata files (topics.json, producer-ids.json) replaced atomically: the new content
 * goes to `<file>.tmp`, is fsync'ed, renamed over the old file, and the directory is fsync'ed
 * so the rename itself survives a power cut. A reader therefore sees the old or the new file,
 * never a torn one. A crash can leave `<file>.tmp` behind; `removeStrayTemp` deletes it at
 * start-up, and nothing ever reads it.
 *
 * Concurrency: callers serialize their writes to one file (the temp name is fixed).
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export const TEMP_SUFFIX = '.tmp';

/** `mode` applies to the new file (0o600 for secrets: the temp file is created with it, then renamed). */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const temp = path + TEMP_SUFFIX;
  // A temp file left by a crash keeps its old mode under 'w'; remove it so `mode` holds.
  await rm(temp, { force: true });
  const fh = await open(temp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await fsyncDir(dirname(path));
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Deletes the temp file an interrupted writeFileAtomic may have left. */
export async function removeStrayTemp(path: string): Promise<boolean> {
  try {
    await rm(path + TEMP_SUFFIX);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
