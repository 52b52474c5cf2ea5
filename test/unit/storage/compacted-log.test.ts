/**
 * Readers across gaps: a log holding compacted batches (records removed inside a batch, whole
 * batches missing between others, header-only batches) is read, searched by time, scanned and
 * reopened (clean and after a crash) like a dense one, and a read at a removed offset starts at
 * the next surviving record.
 */
import { describe, expect, it } from 'vitest';
import { InvalidRecordBatchError } from '../../../proto/errors.js';
import { batchTotalBytes, encodeRecordBatch, readBatchHeader, stampBaseOffset } from '../../../proto/record-batch.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { keepRecords } from '../../helpers/compacted-batch.js';
import { decodeAll, openLog, smallConfig, useTempLog } from './helpers.js';

const T0 = 1_700_000_000_000;

/** A batch at `base` of `count` records (value `v<offset>`, timestamp T0 + offset), keeping only `keep`. */
function compactedBatch(base: number, count: number, keep: number[]): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`k${(base + i) % 7}`), value: Buffer.from(`v${base + i}`.padEnd(90)), timestamp: T0 + base + i,
  }));
  const original = encodeRecordBatch(records, { now: T0 });
  stampBaseOffset(original, 0, base);
  return keepRecords(original, keep);
}

/** Every record from `from`, advancing by each batch's last offset as consumers do. */
async function replay(log: LocalLog, from = log.logStartOffset): Promise<number[]> {
  const out: number[] = [];
  let next = from;
  const end = log.writtenEndOffset;
  while (next < end) {
    const { records } = await log.read(next, 256, end);
    expect(records.length).toBeGreaterThan(0);
    for (let pos = 0; pos < records.length; pos += batchTotalBytes(records, pos)) {
      const h = readBatchHeader(records, pos);
      next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1);
    }
    out.push(...decodeAll(records).map((r) => r.offset).filter((o) => o >= from && !out.includes(o)));
  }
  return out;
}

/** Batches [0,4] keeping 1 and 3; nothing in [5,9]; [10,12] whole; [13,14] empty; [15,19] keeping 19; then dense [20,29]. */
async function fill(log: LocalLog): Promise<void> {
  for (const b of [compactedBatch(0, 5, [1, 3]), compactedBatch(10, 3, [0, 1, 2]), compactedBatch(13, 2, []), compactedBatch(15, 5, [4])]) {
    await log.appendAsFollower(b).written;
  }
  for (let base = 20; base < 30; base += 2) await log.appendAsFollower(compactedBatch(base, 2, [0, 1])).written;
  await log.flush();
}

const SURVIVORS = [1, 3, 10, 11, 12, 19, ...Array.from({ length: 10 }, (_, i) => 20 + i)];

describe('a compacted log', () => {
  const t = useTempLog();
  // Small segments: the batches spread over several, so gaps also fall between segments.
  const config = smallConfig({ segmentBytes: 1024, indexIntervalBytes: 64 });

  it('replays every surviving record in offset order, from the start and from inside removed ranges', async () => {
    t.log = await openLog(t.dir, config);
    await fill(t.log);
    expect(t.log.segmentCount).toBeGreaterThan(1);
    expect(t.log.logEndOffset).toBe(30);
    expect(await replay(t.log)).toEqual(SURVIVORS);
    for (const [from, first] of [[0, 1], [2, 3], [4, 10], [5, 10], [9, 10], [13, 19], [14, 19], [16, 19]] as const) {
      expect((await replay(t.log, from))[0]).toBe(first);
    }
  });

  it('never answers a read with header-only batches alone when records follow them', async () => {
    // kafkajs takes its next fetch offset from the last record it was given and makes no
    // progress on an answer without any record: a read at 13 must reach 19, not stop at [13,14].
    t.log = await openLog(t.dir, config);
    await fill(t.log);
    const seen: number[] = [];
    let next = 0;
    const end = t.log.writtenEndOffset;
    while (next < end) {
      const { records } = await t.log.read(next, 1, end);
      const all = decodeAll(records).map((r) => r.offset);
      expect(all.length, `a read at ${next} held no record`).toBeGreaterThan(0);
      // As kafkajs: records only below the fetch offset (a compacted batch) move it on by one.
      const offsets = all.filter((o) => o >= next);
      seen.push(...offsets);
      next = offsets.length > 0 ? offsets[offsets.length - 1]! + 1 : next + 1;
    }
    expect(seen).toEqual(SURVIVORS);
  });

  it('finds timestamps past removed records and scans every batch header', async () => {
    t.log = await openLog(t.dir, config);
    await fill(t.log);
    expect(await t.log.offsetForTimestamp(T0 + 5, t.log.writtenEndOffset)).toEqual({ offset: 10, timestamp: T0 + 10 });
    expect(await t.log.offsetForTimestamp(T0 + 13, t.log.writtenEndOffset)).toEqual({ offset: 19, timestamp: T0 + 19 });
    expect(await t.log.offsetForTimestamp(T0 + 30, t.log.writtenEndOffset)).toBeNull();
    const bases: number[] = [];
    for await (const h of t.log.scanBatchHeaders(0, t.log.writtenEndOffset)) bases.push(h.baseOffset);
    expect(bases).toEqual([0, 10, 13, 15, 20, 22, 24, 26, 28]);
  });

  it('reopens the same after a clean shutdown and after a crash (full recovery scan)', async () => {
    t.log = await openLog(t.dir, config);
    await fill(t.log);
    await t.log.close();
    t.log = await openLog(t.dir, config);
    expect(await replay(t.log)).toEqual(SURVIVORS);
    await t.log.abandon();
    t.log = await openLog(t.dir, config, { recover: true });
    expect(t.log.logEndOffset).toBe(30);
    expect(await replay(t.log)).toEqual(SURVIVORS);
    // Appends as leader go on after the end.
    const res = t.log.appendAsLeader(encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('x') }]), 0);
    expect(res.baseOffset).toBe(30);
  });

  it('still refuses compacted batches from producers', async () => {
    t.log = await openLog(t.dir, config);
    expect(() => t.log!.appendAsLeader(compactedBatch(0, 3, [0, 2]), 0)).toThrow(InvalidRecordBatchError);
    expect(() => t.log!.appendAsLeader(compactedBatch(0, 3, []), 0)).toThrow(InvalidRecordBatchError);
  });
});
