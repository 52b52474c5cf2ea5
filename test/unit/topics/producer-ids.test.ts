import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptLogError } from '../../../proto/errors.js';
import { PRODUCER_ID_BLOCK_SIZE } from '../../../broker/constants.js';
import { silentLogger } from '../../../broker/logger.js';
import { PRODUCER_IDS_FILE, ProducerIdAllocator } from '../../../broker/topics/producer-ids.js';

describe('ProducerIdAllocator', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-pids-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('hands out distinct ids to concurrent callers', async () => {
    const ids = await ProducerIdAllocator.open(dir, silentLogger());
    const got = await Promise.all(Array.from({ length: 50 }, () => ids.next()));
    expect(new Set(got).size).toBe(50);
    expect(Math.min(...got)).toBe(0);
  });

  it('never reuses an id after a restart, even one that was reserved but unused', async () => {
    const first = await ProducerIdAllocator.open(dir, silentLogger());
    const before = [await first.next(), await first.next()];
    // No clean shutdown: the allocator is simply dropped, as in a crash.
    const second = await ProducerIdAllocator.open(dir, silentLogger());
    const after = await second.next();
    expect(after).toBe(PRODUCER_ID_BLOCK_SIZE);
    expect(before).not.toContain(after);
    const doc = JSON.parse(await readFile(join(dir, PRODUCER_IDS_FILE), 'utf8'));
    expect(doc).toEqual({ version: 1, reservedUpTo: 2 * PRODUCER_ID_BLOCK_SIZE });
  });

  it('reserves a new block when one runs out', async () => {
    const ids = await ProducerIdAllocator.open(dir, silentLogger());
    let last = -1;
    for (let i = 0; i <= PRODUCER_ID_BLOCK_SIZE; i++) last = await ids.next();
    expect(last).toBe(PRODUCER_ID_BLOCK_SIZE);
    const doc = JSON.parse(await readFile(join(dir, PRODUCER_IDS_FILE), 'utf8'));
    expect(doc.reservedUpTo).toBe(2 * PRODUCER_ID_BLOCK_SIZE);
  });

  it('refuses a corrupt id file rather than restarting at 0', async () => {
    await writeFile(join(dir, PRODUCER_IDS_FILE), '{"version":1,"reservedUpTo":-5}');
    await expect(ProducerIdAllocator.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
    await writeFile(join(dir, PRODUCER_IDS_FILE), 'garbage');
    await expect(ProducerIdAllocator.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
  });
});
