/**
 * SegmentFile (segment-batches.ts), the cleaner worker's reader of sealed segments: it reads
 * without updating the file's access time (O_NOATIME), so its reads, on a thread under
 * SCHED_IDLE, never open a journal handle that appends' fdatasyncs would wait behind.
 */
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentFile } from '../../../../broker/storage/cleaner/segment-batches.js';
import { tempDir } from '../helpers.js';

describe('SegmentFile', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('strata-segment-file-'));
  });
  afterEach(async () => {
    await cleanup();
  });

  it.runIf(process.platform === 'linux')('reads a file without moving its access time, even where relatime would', () => {
    const file = path.join(dir, '00000000000000000000.log');
    writeFileSync(file, Buffer.alloc(8192, 7));
    // An access time older than the modification time: under relatime the next read updates it.
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, new Date());
    const seg = new SegmentFile(file, 0, 8192);
    const buf = Buffer.alloc(8192);
    try {
      expect(seg.read(buf, 0, 8192, 0)).toBe(8192);
    } finally {
      seg.close();
    }
    expect(buf.every((b) => b === 7)).toBe(true);
    expect(Math.abs(statSync(file).atimeMs - old.getTime())).toBeLessThan(1_000);
  });
});
