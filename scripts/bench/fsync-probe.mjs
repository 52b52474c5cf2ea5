// Measures what an fsync costs where the servers keep their data, so the "fsync before ack" rows
// can be read: on a disk with a volatile write cache (many VMs), fsync may cost microseconds and
// the two durability levels then look alike.

import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { makeTempDir, removeDir } from './processes.mjs';

/** Appends timed; 200 keeps the probe under a second even on a slow disk (≈ 5 ms per sync). */
const FSYNC_PROBES = 200;
/** One 4 KiB page per append: the smallest write a file system syncs. */
const PROBE_WRITE_BYTES = 4096;

/** @returns {Promise<{ fsType: string, fdatasyncUsMedian: number }>} */
export async function probeFsync() {
  const dir = await makeTempDir('fsync-probe');
  try {
    let fsType = 'unknown';
    try {
      fsType = execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
    } catch { /* not fatal: the type is only reported */ }
    const fh = await fsp.open(path.join(dir, 'probe'), 'a');
    const page = Buffer.alloc(PROBE_WRITE_BYTES, 0x5a);
    const us = [];
    try {
      for (let i = 0; i < FSYNC_PROBES; i++) {
        await fh.write(page);
        const t = process.hrtime.bigint();
        await fh.datasync();
        us.push(Number(process.hrtime.bigint() - t) / 1e3);
      }
    } finally {
      await fh.close();
    }
    us.sort((a, b) => a - b);
    return { fsType, fdatasyncUsMedian: us[us.length >> 1] };
  } finally {
    await removeDir(dir);
  }
}
