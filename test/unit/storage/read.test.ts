import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError } from '../../../proto/errors.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, decodeAll, offsetsIn, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('LocalLog reads', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    log = undefined;
    await cleanup();
  });

  it('returns one whole batch even when it is larger than maxBytes', async () => {
    log = await openLog(dir, smallConfig());
    const big = batch(20, { valueBytes: 100 });
    log.appendAsLeader(big, 0);
    await log.appendAsLeader(batch(1), 0).written;
    const r = await log.read(5, 10, log.writtenEndOffset);
    expect(r.records.length).toBe(big.length);
    expect(offsetsIn(r.records)).toEqual([...Array(20).keys()]);
  });

  it('stops at maxBytes on batch boundaries', async () => {
    log = await openLog(dir, smallConfig());
    const sizes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const b = batch(2, { valueBytes: 40, tag: `b${i}` });
      sizes.push(b.length);
      log.appendAsLeader(b, 0);
    }
    await log.flush();
    const r = await log.read(0, sizes[0]! * 3 + 5, log.writtenEndOffset);
    expect(r.records.length).toBe(sizes[0]! * 3);
    expect(offsetsIn(r.records)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('starts at the batch containing the offset, from any index entry', async () => {
    log = await openLog(dir, smallConfig({ indexIntervalBytes: 300 }));
    for (let i = 0; i < 100; i++) log.appendAsLeader(batch(3, { valueBytes: 20 }), 0);
    await log.flush();
    for (const offset of [0, 1, 2, 3, 4, 149, 150, 151, 298, 299]) {
      const r = await log.read(offset, 1, log.writtenEndOffset);
      const got = offsetsIn(r.records);
      expect(got[0]).toBe(offset - (offset % 3));
      expect(got).toContain(offset);
    }
  });

  it('returns nothing at the high watermark and throws OffsetOutOfRangeError outside the log', async () => {
    log = await openLog(dir, smallConfig());
    await log.appendAsLeader(batch(4), 0).written;
    expect((await log.read(4, 100, log.writtenEndOffset)).records.length).toBe(0);
    for (const bad of [-1, 5, 1e6]) {
      const err = await log.read(bad, 100, log.writtenEndOffset).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OffsetOutOfRangeError);
      expect(err).toMatchObject({ offset: bad, logStartOffset: 0, logEndOffset: 4, topic: 't', partition: 0 });
    }
  });

  it('never serves bytes past a durable-end bound while an fsync is pending', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let hold = false;
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }), {
      faults: { sync: async () => { if (hold) await gate; } },
    });
    await log.appendAsLeader(batch(2), 0).durable;
    hold = true;
    const a = log.appendAsLeader(batch(3, { tag: 'late' }), 0);
    await a.written;
    expect(log.logEndOffset).toBe(5);
    expect(log.writtenEndOffset).toBe(5);
    expect(log.durableEndOffset).toBe(2);
    expect(offsetsIn((await log.read(0, 1 << 20, log.durableEndOffset)).records)).toEqual([0, 1]);
    expect((await log.read(2, 1 << 20, log.durableEndOffset)).records.length).toBe(0);
    hold = false;
    release();
    await a.durable;
    expect(log.durableEndOffset).toBe(5);
    expect(offsetsIn((await log.read(2, 1 << 20, log.durableEndOffset)).records)).toEqual([2, 3, 4]);
  });

  it('finds the first offset at or after a timestamp', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 2048, indexIntervalBytes: 128 }));
    // Timestamps grow by 10 per record, with one batch going back in time.
    let ts = 1_000;
    const all: { offset: number; ts: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const stamps = i === 30 ? [500, 505, 510] : [ts, ts + 10, ts + 20];
      if (i !== 30) ts += 30;
      log.appendAsLeader(batch(3, { timestamps: stamps }), 0);
      stamps.forEach((t, j) => all.push({ offset: i * 3 + j, ts: t }));
    }
    await log.flush();
    expect(log.segmentCount).toBeGreaterThan(2);
    for (const target of [0, 500, 999, 1000, 1001, 1500, 1895, 2760, 2770, 10_000]) {
      const hit = all.find((r) => r.ts >= target);
      expect(await log.offsetForTimestamp(target, log.writtenEndOffset)).toEqual(hit ? { offset: hit.offset, timestamp: hit.ts } : null);
    }
  });

  it('finds timestamps after a clean reopen (sealed segments use their loaded time index)', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 2048, indexIntervalBytes: 128 }));
    for (let i = 0; i < 40; i++) log.appendAsLeader(batch(2, { timestamps: [10_000 + i * 100, 10_000 + i * 100 + 50] }), 0);
    await log.close();
    log = await openLog(dir, smallConfig({ segmentBytes: 2048, indexIntervalBytes: 128 }));
    expect(await log.offsetForTimestamp(12_020, log.writtenEndOffset)).toEqual({ offset: 41, timestamp: 12_050 });
    expect(await log.offsetForTimestamp(0, log.writtenEndOffset)).toEqual({ offset: 0, timestamp: 10_000 });
    expect(await log.offsetForTimestamp(20_000, log.writtenEndOffset)).toBeNull();
  });

  it('scans batch headers from any offset across segments', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 1024 }));
    for (let i = 0; i < 30; i++) log.appendAsLeader(batch(2, { valueBytes: 30 }), 0);
    await log.flush();
    expect(log.segmentCount).toBeGreaterThan(3);
    const bases: number[] = [];
    for await (const h of log.scanBatchHeaders(13, log.writtenEndOffset)) bases.push(h.baseOffset);
    expect(bases).toEqual([...Array(30).keys()].map((i) => i * 2).filter((b) => b >= 12));
  });

  it('reads concurrently with appends and always sees a consistent prefix', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 4096, flushPolicy: 'always' }));
    const writes: Promise<void>[] = [];
    let stop = false;
    const reader = (async () => {
      let checks = 0;
      while (!stop) {
        const hw = log!.writtenEndOffset;
        if (hw > 0) {
          const recs = await readAll(log!, 0, 512);
          expect(recs.map((r) => r.offset)).toEqual([...Array(recs.length).keys()]);
          expect(recs.length).toBeGreaterThanOrEqual(hw);
          checks++;
        }
        await new Promise((r) => setImmediate(r));
      }
      return checks;
    })();
    for (let i = 0; i < 200; i++) {
      writes.push(log.appendAsLeader(batch(2, { tag: `w${i}` }), 0).durable);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(writes);
    stop = true;
    expect(await reader).toBeGreaterThan(0);
    const recs = await readAll(log);
    expect(recs.length).toBe(400);
    expect(decodeAll((await log.read(398, 100, log.writtenEndOffset)).records).map((r) => r.value)).toEqual(['w199-0', 'w199-1']);
  });
});
