import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS } from '../../../broker/groups/constants.js';
import { OffsetStore, type OffsetStoreOptions } from '../../../broker/groups/offset-store.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue } from '../../../proto/offset-record.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { LogCleaner } from '../../../broker/storage/cleaner/log-cleaner.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { asBuffer } from '../../../proto/as-buffer.js';
import { batchTotalBytes, decodeRecordBatch } from '../../../proto/record-batch.js';
import { CorruptLogError } from '../../../proto/errors.js';

let dir: string;
const stores: OffsetStore[] = [];
const cleaners: LogCleaner[] = [];

/** Offsets logs the cleaner takes at once: any dirt is enough, no lag, tombstones kept 0 ms. */
const CLEANABLE: Partial<OffsetStoreOptions> = { compaction: { minCleanableDirtyRatio: 0, minCompactionLagMs: 0, deleteRetentionMs: 0 } };

/** The broker's real cleaner, unthrottled, driven pass by pass by the test. */
function cleaner(): LogCleaner {
  const c = new LogCleaner({ logger: silentLogger(), ioBytesPerSecond: 0 });
  cleaners.push(c);
  return c;
}

/** Every record's key in the log (decoded `topic-partition`) with `:value` or `:tombstone`. */
async function liveRecordKeys(log: LocalLog): Promise<string[]> {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.writtenEndOffset) {
    const { records: bytes } = await log.read(offset, 1 << 20, log.writtenEndOffset);
    if (bytes.length === 0) break;
    for (let pos = 0; pos < bytes.length; pos += batchTotalBytes(bytes, pos)) {
      const { header, records } = decodeRecordBatch(bytes, pos);
      offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
      for (const r of records) {
        const k = decodeOffsetKey(asBuffer(r.key!))!;
        out.push(`${k.topic}-${k.partition}:${r.value ? 'value' : 'tombstone'}`);
      }
    }
  }
  return out;
}

async function countRecords(log: LocalLog): Promise<number> {
  return (await liveRecordKeys(log)).length;
}

async function open(extra: Partial<OffsetStoreOptions> = {}): Promise<OffsetStore> {
  const store = await OffsetStore.open({
    dataDir: dir, logDefaults: { ...DEFAULT_LOG_CONFIG, flushPolicy: 'always' }, logger: silentLogger(), segmentBytes: 4096, ...extra,
  });
  stores.push(store);
  return store;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-offsets-'));
});

afterEach(async () => {
  for (const c of cleaners.splice(0)) await c.stop();
  for (const s of stores.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every offset of every group, as a plain object, for comparing two stores. */
function snapshot(store: OffsetStore): Record<string, Record<string, [number, string]>> {
  const out: Record<string, Record<string, [number, string]>> = {};
  for (const g of store.groups().sort()) {
    out[g] = {};
    for (const o of store.groupOffsets(g)) out[g]![`${o.topic}-${o.partition}`] = [o.offset, o.metadata];
  }
  return out;
}

describe('offset records', () => {
  it('round-trips keys and values, including multi-byte strings', () => {
    const key = { group: 'grüppe', topic: 't.1', partition: 4_000_000_000 };
    expect(decodeOffsetKey(encodeOffsetKey(key))).toEqual(key);
    const value = { offset: 2 ** 53 - 1, commitTimestamp: 1_700_000_000_000, metadata: 'héllo' };
    expect(decodeOffsetValue(encodeOffsetValue(value))).toEqual(value);
  });

  it('skips unknown versions and rejects malformed or truncated records', () => {
    const key = encodeOffsetKey({ group: 'g', topic: 't', partition: 1 });
    const future = Buffer.from(key);
    future.writeUInt16BE(99, 0);
    expect(decodeOffsetKey(future)).toBeNull();
    expect(() => decodeOffsetKey(key.subarray(0, key.length - 1))).toThrow(CorruptLogError);
    expect(() => decodeOffsetKey(Buffer.concat([key, Buffer.from([0])]))).toThrow(CorruptLogError);
    const value = encodeOffsetValue({ offset: 5, commitTimestamp: 1, metadata: 'm' });
    expect(() => decodeOffsetValue(value.subarray(0, 10))).toThrow(CorruptLogError);
  });
});

describe('offset store', () => {
  it('spreads groups over the offsets partitions deterministically', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const p = OffsetStore.partitionFor(`group-${i}`);
      expect(p).toBe(OffsetStore.partitionFor(`group-${i}`));
      seen.add(p);
    }
    expect(seen.size).toBe(OFFSETS_TOPIC_PARTITIONS);
  });

  it('reloads committed offsets and metadata after a restart', async () => {
    const a = await open();
    await a.commit('g1', [{ topic: 't', partition: 0, offset: 10, metadata: 'x' }, { topic: 't', partition: 1, offset: 20, metadata: '' }]);
    await a.commit('g1', [{ topic: 't', partition: 0, offset: 11, metadata: 'y' }]);
    await a.commit('g2', [{ topic: 'u', partition: 3, offset: 7, metadata: '' }]);
    expect(a.get('g1', 't', 0)).toMatchObject({ offset: 11, metadata: 'y' });
    const before = snapshot(a);
    await a.close();
    const b = await open();
    expect(snapshot(b)).toEqual(before);
    expect(b.get('g1', 't', 0)!.commitTimestamp).toBeGreaterThan(0);
  });

  it('keeps its logs in a directory of its own, apart from user topics', async () => {
    const a = await open();
    await a.commit('g', [{ topic: 't', partition: 0, offset: 1, metadata: '' }]);
    expect(await readdir(dir)).toEqual([OFFSETS_TOPIC]);
    expect((await readdir(join(dir, OFFSETS_TOPIC))).filter((n) => n.startsWith(`${OFFSETS_TOPIC}-`)).length).toBe(OFFSETS_TOPIC_PARTITIONS);
  });

  it('forgets deleted offsets, also after a restart', async () => {
    const a = await open();
    await a.commit('g', [{ topic: 't', partition: 0, offset: 1, metadata: '' }, { topic: 't', partition: 1, offset: 2, metadata: '' }]);
    await a.delete('g', [{ topic: 't', partition: 0 }]);
    expect(a.get('g', 't', 0)).toBeUndefined();
    await a.commit('h', [{ topic: 't', partition: 0, offset: 1, metadata: '' }]);
    await a.delete('h');
    expect(a.hasGroup('h')).toBe(false);
    await a.close();
    const b = await open();
    expect(snapshot(b)).toEqual({ g: { 't-1': [2, ''] } });
  });

  it('is compacted by the log cleaner: the log shrinks to about the live keys, the latest values survive a restart', async () => {
    const a = await open(CLEANABLE);
    // One group, 5 keys, committed 150 times: 750 records for 5 live keys.
    for (let round = 1; round <= 150; round++) {
      await a.commit('g', Array.from({ length: 5 }, (_, p) => ({ topic: 't', partition: p, offset: round * 10 + p, metadata: `r${round}` })));
    }
    const shardIndex = OffsetStore.partitionFor('g');
    const log = a.logs()[shardIndex]!;
    const before = { bytes: log.sizeBytes, records: await countRecords(log) };
    expect(before.records).toBe(750);
    const stats = await cleaner().cleanLog(log, a.cleanerSource);
    expect(stats).not.toBeNull();
    const after = { bytes: log.sizeBytes, records: await countRecords(log) };
    // Only the open segment (never cleaned) and one record per key of the cleaned ones remain.
    expect(after.records).toBeLessThan(before.records / 4);
    expect(after.bytes).toBeLessThan(before.bytes / 4);
    expect(a.shardStats()[shardIndex]).toMatchObject({ liveKeys: 5, logEndOffset: 750 });
    const values = snapshot(a);
    expect(values.g!['t-4']).toEqual([1504, 'r150']);
    await a.close();
    const b = await open(CLEANABLE);
    expect(snapshot(b)).toEqual(values);
  });

  it('drops deleted offsets and, after delete.retention.ms, their tombstones', async () => {
    const a = await open(CLEANABLE);
    for (let round = 1; round <= 200; round++) {
      await a.commit('g', [{ topic: 't', partition: 0, offset: round, metadata: '' }, { topic: 't', partition: 1, offset: round, metadata: '' }]);
    }
    await a.delete('g', [{ topic: 't', partition: 1 }]);
    const log = a.logs()[OffsetStore.partitionFor('g')]!;
    // Seal the tombstone into a cleanable segment.
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    const c = cleaner();
    await c.cleanLog(log, a.cleanerSource);
    const keys = await liveRecordKeys(log);
    expect(keys.filter((k) => k === 't-0:value')).toHaveLength(1);
    // delete.retention.ms is 0 here: the tombstone goes in the pass after the one that saw it cleaned.
    await a.commit('g', [{ topic: 't', partition: 0, offset: 201, metadata: '' }]);
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
    await c.cleanLog(log, a.cleanerSource);
    expect((await liveRecordKeys(log)).filter((k) => k.startsWith('t-1'))).toEqual([]);
    await a.close();
    const b = await open(CLEANABLE);
    expect(snapshot(b)).toEqual({ g: { 't-0': [201, ''] } });
  });

  it('acknowledges a commit only after the fsync covering it, and never shows a commit whose fsync failed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let failNext = false;
    const a = await open({
      faults: {
        sync: async () => {
          if (failNext) throw Object.assign(new Error('EIO'), { code: 'EIO' });
          await held;
        },
      },
    });
    let acked = false;
    const commit = a.commit('g', [{ topic: 't', partition: 0, offset: 7, metadata: '' }]).then(() => { acked = true; });
    await new Promise((r) => setTimeout(r, 50));
    expect(acked).toBe(false);
    expect(a.get('g', 't', 0)).toBeUndefined();
    release();
    await commit;
    expect(a.get('g', 't', 0)!.offset).toBe(7);

    // Another group homed on another shard, so its failed fsync leaves 'g' alone.
    const other = Array.from({ length: 50 }, (_, i) => `h${i}`).find((h) => OffsetStore.partitionFor(h) !== OffsetStore.partitionFor('g'))!;
    failNext = true;
    await expect(a.commit(other, [{ topic: 't', partition: 0, offset: 9, metadata: '' }])).rejects.toThrow();
    expect(a.get(other, 't', 0)).toBeUndefined();
  });

  it('never loses commits that raced with a cleaning pass', async () => {
    const a = await open(CLEANABLE);
    for (let i = 1; i <= 300; i++) await a.commit('g', [{ topic: 't', partition: 0, offset: i, metadata: '' }]);
    const log = a.logs()[OffsetStore.partitionFor('g')]!;
    // Commits in flight while the cleaner rewrites the sealed segments under them.
    const pending: Promise<void>[] = [];
    for (let i = 301; i <= 600; i++) pending.push(a.commit('g', [{ topic: 't', partition: 0, offset: i, metadata: '' }]));
    const pass = cleaner().cleanLog(log, a.cleanerSource);
    await Promise.all([...pending, pass]);
    expect(a.get('g', 't', 0)!.offset).toBe(600);
    await a.close();
    const b = await open(CLEANABLE);
    expect(b.get('g', 't', 0)!.offset).toBe(600);
  });
});
