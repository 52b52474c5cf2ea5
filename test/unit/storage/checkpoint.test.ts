import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  formatCheckpoint, parseCheckpoint, readRecoveryCheckpoint, writeRecoveryCheckpoint, type RecoveryPoints,
} from '../../../broker/storage/checkpoint.js';
import { RECOVERY_CHECKPOINT_FILE } from '../../../broker/storage/log-files.js';
import { tempDir } from './helpers.js';

describe('recovery-point checkpoint', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  const points: RecoveryPoints = new Map([
    ['orders-0', { topic: 'orders', partition: 0, offset: 1200 }],
    ['a-b.c-12', { topic: 'a-b.c', partition: 12, offset: 0 }],
  ]);

  it('round-trips through its text form', () => {
    const text = formatCheckpoint(points);
    expect(text).toBe('0\n2\norders 0 1200\na-b.c 12 0\n');
    expect(parseCheckpoint(text)).toEqual(points);
  });

  it('rejects anything not exactly well-formed', () => {
    for (const bad of ['', '1\n0\n', '0\n2\norders 0 1\n', '0\n1\norders 0\n', '0\n1\norders x 1\n', '0\n1\norders 0 -1\n', 'garbage']) {
      expect(parseCheckpoint(bad)).toBeUndefined();
    }
  });

  it('is replaced atomically and reads back; missing and garbled files are reported as such', async () => {
    expect(await readRecoveryCheckpoint(dir)).toBe('missing');
    await writeRecoveryCheckpoint(dir, points);
    expect(await readRecoveryCheckpoint(dir)).toEqual(points);
    expect(await readdir(dir)).toEqual([RECOVERY_CHECKPOINT_FILE]); // no temp file left behind
    await writeFile(path.join(dir, RECOVERY_CHECKPOINT_FILE), '0\n3\nx 1 2\n');
    expect(await readRecoveryCheckpoint(dir)).toBe('garbled');
    expect(await readFile(path.join(dir, RECOVERY_CHECKPOINT_FILE), 'utf8')).toContain('x 1 2');
  });
});
