import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { selectRetainedSegments } from '../../../broker/storage/retention.js';
import { batch, openLog, readAll, smallConfig, tempDir } from './helpers.js';

describe('selectRetainedSegments', () => {
  const segs = [
    { maxTimestamp: 100, size: 10 },
    { maxTimestamp: 200, size: 10 },
    { maxTimestamp: 150, size: 10 },
    { maxTimestamp: 400, size: 10 },
  ];

  it('deletes the oldest prefix older than retentionMs, stopping at the first young segment', () => {
    expect(selectRetainedSegments(segs, 50, { retentionMs: 250, retentionBytes: -1 }, 500)).toBe(3);
    expect(selectRetainedSegments(segs, 50, { retentionMs: 350, retentionBytes: -1 }, 500)).toBe(1);
    expect(selectRetainedSegments(segs, 50, { retentionMs: -1, retentionBytes: -1 }, 500)).toBe(0);
  });

  it('deletes while the log without the segment still holds retentionBytes', () => {
    expect(selectRetainedSegments(segs, 50, { retentionMs: -1, retentionBytes: 30 }, 0)).toBe(2);
    expect(selectRetainedSegments(segs, 50, { retentionMs: -1, retentionBytes: 31 }, 0)).toBe(1);
    expect(selectRetainedSegments(segs, 50, { retentionMs: -1, retentionBytes: 0 }, 0)).toBe(4);
  });

  it('takes the longer prefix of the two rules', () => {
    expect(selectRetainedSegments(segs, 50, { retentionMs: 350, retentionBytes: 30 }, 500)).toBe(2);
  });
});

describe('LocalLog.deleteRetainedSegments', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    log = undefined;
    await cleanup();
  });

  async function filled(cfg: Parameters<typeof smallConfig>[0]): Promise<LocalLog> {
    const l = await openLog(dir, smallConfig({ segmentBytes: 1024, ...cfg }));
    for (let i = 0; i < 30; i++) l.appendAsLeader(batch(2, { valueBytes: 40, timestamps: [i * 1000, i * 1000 + 1] }), 0);
    await l.flush();
    return l;
  }

  it('deletes sealed segments by time and moves logStartOffset', async () => {
    log = await filled({ retentionMs: 10_000 });
    const bases = log.segmentBaseOffsets();
    const deleted = await log.deleteRetainedSegments(25_000);
    expect(deleted).toBeGreaterThan(0);
    expect(log.logStartOffset).toBe(bases[deleted]);
    const recs = await readAll(log);
    expect(recs[0]!.offset).toBe(log.logStartOffset);
    // Every remaining sealed segment holds a record newer than now - retention.
    expect(recs.at(-1)!.offset).toBe(59);
    expect((await readdir(dir)).filter((n) => n.endsWith('.log')).length).toBe(log.segmentCount);
  });

  it('deletes by size but never the active segment', async () => {
    log = await filled({ retentionBytes: 0 });
    const active = log.segmentBaseOffsets().at(-1);
    await log.deleteRetainedSegments();
    expect(log.segmentBaseOffsets()).toEqual([active]);
    await log.appendAsLeader(batch(1), 0).written;
    expect((await readAll(log)).at(-1)!.offset).toBe(60);
    const timeOnly = await log.deleteRetainedSegments(Number.MAX_SAFE_INTEGER);
    expect(timeOnly).toBe(0);
  });

  it('keeps everything with unlimited retention', async () => {
    log = await filled({ retentionMs: -1, retentionBytes: -1 });
    expect(await log.deleteRetainedSegments(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('lets a read in flight finish on a segment being deleted', async () => {
    log = await filled({ retentionBytes: 0 });
    const reading = log.read(0, 1 << 20, log.writtenEndOffset);
    await log.deleteRetainedSegments();
    const r = await reading;
    expect(r.records.length).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThan(0);
  });
});
