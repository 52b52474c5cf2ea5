/**
 * What a replica needs from its local log: follower appends that keep the leader's offsets and
 * epochs byte for byte, reads bounded by an offset the caller gives, and the two truncations.
 */
import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRecordBatchError } from '../../../proto/errors.js';
import { readBatchHeader, stampBaseOffset } from '../../../proto/record-batch.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { UnexpectedAppendOffsetError } from '../../../broker/storage/unexpected-append-offset-error.js';
import { batch, offsetsIn, openLog, readAll, smallConfig, tempDir, useTempLog } from './helpers.js';

/** Headers of the batches in a buffer of back-to-back batches. */
function headers(records: Buffer): Array<{ baseOffset: number; epoch: number }> {
  const out: Array<{ baseOffset: number; epoch: number }> = [];
  for (let pos = 0; pos < records.length;) {
    const h = readBatchHeader(records, pos);
    out.push({ baseOffset: h.baseOffset, epoch: h.partitionLeaderEpoch });
    pos += 12 + h.batchLength;
  }
  return out;
}

describe('LocalLog as a follower', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const logs: LocalLog[] = [];
  const open = async (name: string, config = smallConfig()): Promise<LocalLog> => {
    const log = await openLog(`${dir}/${name}`, config);
    logs.push(log);
    return log;
  };
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    for (const log of logs.splice(0)) if (!log.isClosed) await log.close();
    await cleanup();
  });

  it('appends the leader\'s batches byte for byte, keeping their offsets and leader epochs', async () => {
    const leader = await open('leader');
    leader.appendAsLeader(batch(3, { tag: 'a' }), 5);
    await leader.appendAsLeader(batch(2, { tag: 'b' }), 7).written;
    const { records } = await leader.read(0, 1 << 20, leader.writtenEndOffset);
    const follower = await open('follower');
    const copy = Buffer.from(records);
    const res = follower.appendAsFollower(copy);
    expect([res.baseOffset, res.lastOffset]).toEqual([0, 4]);
    await res.written;
    const back = await follower.read(0, 1 << 20, follower.writtenEndOffset);
    expect(back.records.equals(records)).toBe(true);
    expect(headers(back.records)).toEqual([{ baseOffset: 0, epoch: 5 }, { baseOffset: 3, epoch: 7 }]);
    // And it goes on from its own end.
    const more = Buffer.from((await leader.read(0, 1 << 20, leader.writtenEndOffset)).records);
    expect(() => follower.appendAsFollower(more)).toThrow(UnexpectedAppendOffsetError);
  });

  it('refuses batches that start before the log end, appending nothing', async () => {
    const follower = await open('follower');
    await follower.appendAsLeader(batch(3), 0).written;
    const behind = batch(1);
    stampBaseOffset(behind, 0, 2);
    const err = (() => { try { follower.appendAsFollower(behind); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(UnexpectedAppendOffsetError);
    expect(err).toBeInstanceOf(InvalidRecordBatchError); // its wire code, should it ever be sent
    expect(err).toMatchObject({ expectedOffset: 3, actualOffset: 2 });
    expect(follower.logEndOffset).toBe(3);
  });

  it('accepts offsets that skip (a compacted leader), at the start and between batches', async () => {
    const follower = await open('follower');
    await follower.appendAsLeader(batch(2), 0).written;
    const ahead = batch(1);
    stampBaseOffset(ahead, 0, 5);
    const later = batch(2);
    stampBaseOffset(later, 0, 9);
    const res = follower.appendAsFollower(Buffer.concat([ahead, later]));
    expect([res.baseOffset, res.lastOffset]).toEqual([5, 10]);
    await res.written;
    expect(follower.logEndOffset).toBe(11);
    expect(offsetsIn((await follower.read(2, 1 << 20, follower.writtenEndOffset)).records)).toEqual([5, 9, 10]);
  });

  it('refuses a later batch that overlaps the one before it', async () => {
    const follower = await open('follower');
    const first = batch(2);
    const second = batch(2);
    stampBaseOffset(second, 0, 1); // should be at least 2
    expect(() => follower.appendAsFollower(Buffer.concat([first, second]))).toThrow(UnexpectedAppendOffsetError);
    expect(follower.logEndOffset).toBe(0);
    expect(follower.stats.appends).toBe(0);
  });
});

describe('LocalLog bounded reads', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    log = await openLog(dir, smallConfig({ segmentBytes: 1024, indexIntervalBytes: 64 }));
    // 20 batches of 3 records: [0,2], [3,5], ... across several segments; timestamps 10 per record.
    for (let i = 0; i < 20; i++) {
      log.appendAsLeader(batch(3, { tag: `b${i}`, valueBytes: 20, timestamps: [i * 30, i * 30 + 10, i * 30 + 20] }), 0);
    }
    await log.flush();
  });
  afterEach(async () => {
    if (!log.isClosed) await log.close();
    await cleanup();
  });

  it('returns only batches ending below the bound, from the file and from the tail cache', async () => {
    expect(log.segmentCount).toBeGreaterThan(2);
    const uncached = await openLog(`${dir}/uncached`, smallConfig({ segmentBytes: 1024, indexIntervalBytes: 64 }), { tailCacheBytes: 0 });
    try {
      for (let i = 0; i < 20; i++) uncached.appendAsLeader(batch(3, { tag: `b${i}`, valueBytes: 20 }), 0);
      await uncached.flush();
      for (const l of [log, uncached]) {
        for (const bound of [3, 30, 33, 57, 60]) {
          expect(offsetsIn(Buffer.concat(await chunks(l, 0, bound)))).toEqual([...Array(bound).keys()]);
        }
      }
      expect(log.stats.cacheReads).toBeGreaterThan(0);
      expect(uncached.stats.fileReads).toBeGreaterThan(0);
    } finally {
      await uncached.close();
    }
  });

  it('serves nothing when the batch holding the offset reaches the bound', async () => {
    // The batch [30, 32] straddles 31: it is not served until the bound passes 32.
    expect((await log.read(30, 1 << 20, 31)).records.length).toBe(0);
    expect((await log.read(31, 1 << 20, 32)).records.length).toBe(0);
    expect(offsetsIn((await log.read(31, 1 << 20, 33)).records)).toEqual([30, 31, 32]);
    // A bound past the written end is the written end.
    expect(offsetsIn((await log.read(57, 1 << 20, Number.MAX_SAFE_INTEGER)).records)).toEqual([57, 58, 59]);
  });

  it('bounds timestamp lookups and header scans the same way', async () => {
    // Record 40 has timestamp 400; below a bound of 39 no record is that late.
    expect(await log.offsetForTimestamp(400, 39)).toBeNull();
    expect(await log.offsetForTimestamp(400, 42)).toEqual({ offset: 40, timestamp: 400 });
    const bases: number[] = [];
    for await (const h of log.scanBatchHeaders(10, 25)) bases.push(h.baseOffset);
    expect(bases).toEqual([9, 12, 15, 18, 21]);
  });
});

describe('LocalLog.truncateFullyAndStartAt', () => {
  const t = useTempLog();

  for (const [what, start] of [['past the log end', 1000], ['inside the log', 12], ['at a segment base', -1]] as const) {
    it(`empties the log and starts it ${what}, durably`, async () => {
      let log = t.log = await openLog(t.dir, smallConfig({ segmentBytes: 1024, flushPolicy: 'always' }));
      for (let i = 0; i < 20; i++) log.appendAsLeader(batch(3, { valueBytes: 20 }), 0);
      await log.flush();
      const at = start === -1 ? log.segmentBaseOffsets()[1]! : start;
      expect(await log.truncateFullyAndStartAt(at)).toBe(at);
      expect([log.logStartOffset, log.logEndOffset, log.writtenEndOffset, log.durableEndOffset]).toEqual([at, at, at, at]);
      expect(log.segmentBaseOffsets()).toEqual([at]);
      expect(await readAll(log)).toEqual([]);
      await log.appendAsLeader(batch(2, { tag: 'new' }), 0).durable;
      expect((await readAll(log)).map((r) => [r.offset, r.value])).toEqual([[at, 'new-0'], [at + 1, 'new-1']]);
      await log.close();
      expect((await readdir(t.dir)).filter((n) => n.endsWith('.log'))).toHaveLength(1);
      log = t.log = await openLog(t.dir, smallConfig({ segmentBytes: 1024 }), { recover: true });
      expect([log.logStartOffset, log.logEndOffset]).toEqual([at, at + 2]);
    });
  }
});

/** The records below `bound` from `from`, in reads of at most 100 bytes (each at least a batch). */
async function chunks(log: LocalLog, from: number, bound: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let next = from;
  while (next < bound) {
    const { records } = await log.read(next, 100, bound);
    if (records.length === 0) break;
    out.push(Buffer.from(records));
    const offsets = offsetsIn(records);
    next = offsets.at(-1)! + 1;
  }
  return out;
}
