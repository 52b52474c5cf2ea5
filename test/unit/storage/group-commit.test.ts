import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('group commit', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    log = undefined;
    await cleanup();
  });

  it('covers many concurrent appends with fewer writes and fdatasyncs than appends', async () => {
    log = await openLog(dir, smallConfig({ flushPolicy: 'always', segmentBytes: 1 << 20 }));
    const results = [];
    for (let i = 0; i < 200; i++) results.push(log.appendAsLeader(batch(5, { tag: `a${i}` }), 0));
    await Promise.all(results.map((r) => r.durable));
    const s = log.stats;
    expect(s.appends).toBe(200);
    expect(s.writes).toBeLessThan(200);
    expect(s.syncs).toBeLessThan(200);
    expect(s.syncs).toBeGreaterThan(0);
    expect(log.durableEndOffset).toBe(1000);
    expect((await readAll(log)).length).toBe(1000);
  });

  it('accumulates appends while an fsync runs and covers them all with the next one', async () => {
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    let syncCalls = 0;
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }), {
      // Only the log's fdatasyncs: a new log's directory fsync comes first, in the same pass.
      faults: { sync: async (file) => { if (!file.endsWith('.log')) return; syncCalls++; await gate; } },
    });
    const first = log.appendAsLeader(batch(1), 0);
    await first.written;
    // Wait (bounded) until the first fsync is blocked in the hook: a fixed 5 ms was too short on
    // a loaded machine, and the test then hung on the never-released gate instead of failing.
    for (let waited = 0; syncCalls === 0 && waited < 5_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(syncCalls).toBe(1);
    const later = [];
    for (let i = 0; i < 50; i++) {
      later.push(log.appendAsLeader(batch(1), 0));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(later.map((r) => r.written));
    let durableCount = 0;
    for (const r of later) void r.durable.then(() => durableCount++);
    await new Promise((r) => setTimeout(r, 5));
    expect(durableCount).toBe(0); // written but not acknowledged: the fsync has not returned
    expect(log.durableEndOffset).toBe(0);
    expect(log.writtenEndOffset).toBe(51);
    const next = gate;
    gate = Promise.resolve();
    release();
    await next;
    await Promise.all(later.map((r) => r.durable));
    expect(syncCalls).toBe(2); // the first pass plus one pass for all 50 later appends
    expect(log.durableEndOffset).toBe(51);
  });

  it("resolves durable together with written under 'interval' and 'never'", async () => {
    for (const flushPolicy of ['interval', 'never'] as const) {
      const l = await openLog(dir + '', smallConfig({ flushPolicy }), { dir: `${dir}/${flushPolicy}` });
      const r = l.appendAsLeader(batch(2), 0);
      expect(r.durable).toBe(r.written);
      await r.durable;
      expect(l.writtenEndOffset).toBe(2);
      expect(l.stats.syncs).toBe(0);
      await l.flush();
      expect(l.stats.syncs).toBe(1);
      await l.close();
    }
  });
});
