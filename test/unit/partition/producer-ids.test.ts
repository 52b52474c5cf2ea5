import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRODUCER_EPOCH_MAX, PRODUCER_ID_BLOCK_SIZE, PRODUCER_IDS_PER_HOLDER_MAX } from '../../../broker/constants.js';
import { InvalidProducerEpochError, InvalidProducerIdMappingError, UnknownProducerIdError } from '../../../proto/errors.js';
import { silentLogger } from '../../../broker/logger.js';
import { PRODUCER_IDS_FILE, ProducerIdAllocator } from '../../../broker/partition/producer-ids.js';

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

  it('calls issued exactly the ids below the next one, and checks produce epochs against the issued ones', async () => {
    const ids = await ProducerIdAllocator.open(dir, silentLogger());
    ids.ensureAbove(-1);
    const a = await ids.next();
    const b = await ids.next();
    expect([ids.isIssued(a), ids.isIssued(b), ids.isIssued(b + 1), ids.isIssued(-1), ids.isIssued(2 ** 53 - 1)]).toEqual([true, true, false, false, false]);
    expect(() => ids.checkProduce(b, 0)).not.toThrow();
    expect(() => ids.checkProduce(b + 1, 0)).toThrow(UnknownProducerIdError);
    expect(() => ids.checkProduce(987_654, 0)).toThrow(UnknownProducerIdError);
    expect(() => ids.checkProduce(a, 1)).toThrow(InvalidProducerEpochError);
    // Epochs found in the logs at start-up count as issued (bumps made before this file had them).
    ids.noteEpochInLog(a, 3);
    expect(ids.issuedEpoch(a)).toBe(3);
    expect(() => ids.checkProduce(a, 3)).not.toThrow();
    expect(() => ids.checkProduce(a, 2)).toThrow(InvalidProducerEpochError); // fenced
    // After a restart every id of the reserved block counts as issued: some may be in use.
    const after = await ProducerIdAllocator.open(dir, silentLogger());
    expect(after.isIssued(PRODUCER_ID_BLOCK_SIZE - 1)).toBe(true);
    expect(after.isIssued(PRODUCER_ID_BLOCK_SIZE)).toBe(false);
  });

  it('raises an epoch only for the holder of the id at its current epoch, durably', async () => {
    const ids = await ProducerIdAllocator.open(dir, silentLogger());
    const conn = {};
    const other = {};
    const id = await ids.next(conn);
    await expect(ids.bump({ producerId: id, producerEpoch: 0 }, other)).rejects.toBeInstanceOf(InvalidProducerIdMappingError);
    await expect(ids.bump({ producerId: id + 1, producerEpoch: 0 }, conn)).rejects.toBeInstanceOf(UnknownProducerIdError);
    await expect(ids.bump({ producerId: id, producerEpoch: 1 }, conn)).rejects.toBeInstanceOf(InvalidProducerEpochError);
    expect(await ids.bump({ producerId: id, producerEpoch: 0 }, conn)).toEqual({ producerId: id, producerEpoch: 1 });
    expect(await ids.bump({ producerId: id, producerEpoch: 1 }, conn)).toEqual({ producerId: id, producerEpoch: 2 });
    expect(() => ids.checkProduce(id, 1)).toThrow(InvalidProducerEpochError);
    const doc = JSON.parse(await readFile(join(dir, PRODUCER_IDS_FILE), 'utf8'));
    expect(doc).toEqual({ version: 1, reservedUpTo: PRODUCER_ID_BLOCK_SIZE, bumpedEpochs: { [id]: 2 } });
    const restarted = await ProducerIdAllocator.open(dir, silentLogger());
    expect(restarted.issuedEpoch(id)).toBe(2);
    expect(() => restarted.checkProduce(id, 3)).toThrow(InvalidProducerEpochError);
    // Nobody holds ids across a restart: a bump needs a fresh id.
    await expect(restarted.bump({ producerId: id, producerEpoch: 2 }, conn)).rejects.toBeInstanceOf(InvalidProducerIdMappingError);
  });

  it('answers a bump at the largest epoch with a fresh id, and forgets the oldest ids a connection holds past its cap', async () => {
    // An id whose epochs ran out (the file says so) is answered with a fresh one at epoch 0.
    await writeFile(join(dir, PRODUCER_IDS_FILE), JSON.stringify({ version: 1, reservedUpTo: 10, bumpedEpochs: { 10: PRODUCER_EPOCH_MAX } }));
    const ids = await ProducerIdAllocator.open(dir, silentLogger());
    const conn = {};
    const first = await ids.next(conn);
    expect([first, ids.issuedEpoch(first)]).toEqual([10, PRODUCER_EPOCH_MAX]);
    expect(await ids.bump({ producerId: first, producerEpoch: PRODUCER_EPOCH_MAX }, conn)).toEqual({ producerId: 11, producerEpoch: 0 });
    // A connection can bump only the ids it obtained most recently.
    for (let i = 0; i < PRODUCER_IDS_PER_HOLDER_MAX; i++) await ids.next(conn);
    await expect(ids.bump({ producerId: 11, producerEpoch: 0 }, conn)).rejects.toBeInstanceOf(InvalidProducerIdMappingError);
    const last = await ids.next(conn);
    expect(await ids.bump({ producerId: last, producerEpoch: 0 }, conn)).toEqual({ producerId: last, producerEpoch: 1 });
  });

  it('reads a file with a malformed epoch table as unreadable', async () => {
    for (const bumpedEpochs of [{ 3: 0 }, { x: 1 }, { 3: 40_000 }, [1]]) {
      await writeFile(join(dir, PRODUCER_IDS_FILE), JSON.stringify({ version: 1, reservedUpTo: 10, bumpedEpochs }));
      expect((await ProducerIdAllocator.open(dir, silentLogger())).fileState).toBe('unreadable');
    }
  });
});
