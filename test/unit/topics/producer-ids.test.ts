import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  it('continues a block above the highest id in the logs when the id file is corrupt, never at 0', async () => {
    await writeFile(join(dir, PRODUCER_IDS_FILE), '{"version":1,"reservedUpTo":-5}');
    const a = await ProducerIdAllocator.open(dir, silentLogger());
    expect(a.fileState).toBe('unreadable');
    a.ensureAbove(41);
    expect(await a.next()).toBe(42 + PRODUCER_ID_BLOCK_SIZE);
    await writeFile(join(dir, PRODUCER_IDS_FILE), 'garbage');
    const b = await ProducerIdAllocator.open(dir, silentLogger());
    b.ensureAbove(-1); // no producer in any log: still skip what the lost file may have handed out
    expect(await b.next()).toBe(PRODUCER_ID_BLOCK_SIZE);
  });

  it('starts at 0 on a fresh broker, and above the logs when the id file was deleted', async () => {
    const fresh = await ProducerIdAllocator.open(dir, silentLogger());
    fresh.ensureAbove(-1);
    expect(await fresh.next()).toBe(0);
    await rm(join(dir, PRODUCER_IDS_FILE));
    const deleted = await ProducerIdAllocator.open(dir, silentLogger());
    expect(deleted.fileState).toBe('missing');
    deleted.ensureAbove(7);
    expect(await deleted.next()).toBe(8 + PRODUCER_ID_BLOCK_SIZE);
    // A valid file that is ahead of the logs is left alone.
    const again = await ProducerIdAllocator.open(dir, silentLogger());
    again.ensureAbove(7);
    expect(await again.next()).toBe(8 + 2 * PRODUCER_ID_BLOCK_SIZE);
  });
});
