import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS } from '../../../broker/groups/constants.js';
import { OffsetStore, type OffsetStoreOptions } from '../../../broker/groups/offset-store.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue } from '../../../broker/groups/offset-record.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { CorruptLogError } from '../../../proto/errors.js';

let dir: string;
const stores: OffsetStore[] = [];

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

  it('compacts while running: the log shrinks to the live keys and the latest values survive a restart', async () => {
    const a = await open({ compactRecordsMin: 200 });
    // One group, 5 keys, committed 400 times: 2000 records for 5 live keys.
    for (let round = 1; round <= 400; round++) {
      await a.commit('g', Array.from({ length: 5 }, (_, p) => ({ topic: 't', partition: p, offset: round * 10 + p, metadata: `r${round}` })));
    }
    const shard = a.shardStats()[OffsetStore.partitionFor('g')]!;
    expect(shard.liveKeys).toBe(5);
    // Compaction ran (maybe several times): far fewer records than the 2000 written.
    expect(shard.records).toBeLessThan(200 + 5 * 4 + 5);
    expect(shard.logStartOffset).toBeGreaterThan(0);
    const before = snapshot(a);
    expect(before.g!['t-4']).toEqual([4004, 'r400']);
    await a.close();
    const b = await open({ compactRecordsMin: 200 });
    expect(snapshot(b)).toEqual(before);
  });

  it('compacts at load a log that grew past the ratio while compaction was off', async () => {
    const a = await open({ compactRecordsMin: Number.MAX_SAFE_INTEGER });
    for (let round = 1; round <= 300; round++) {
      await a.commit('g', [{ topic: 't', partition: 0, offset: round, metadata: '' }, { topic: 't', partition: 1, offset: round, metadata: '' }]);
    }
    await a.delete('g', [{ topic: 't', partition: 1 }]);
    const shardIndex = OffsetStore.partitionFor('g');
    expect(a.shardStats()[shardIndex]!.records).toBe(601);
    await a.close();
    const b = await open({ compactRecordsMin: 100 });
    expect(b.shardStats()[shardIndex]).toMatchObject({ records: 1, liveKeys: 1 });
    expect(snapshot(b)).toEqual({ g: { 't-0': [300, ''] } });
    await b.close();
    const c = await open({ compactRecordsMin: 100 });
    expect(snapshot(c)).toEqual({ g: { 't-0': [300, ''] } });
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

  it('never lets a snapshot overwrite commits that raced with it', async () => {
    const a = await open({ compactRecordsMin: 50 });
    // Many commits in flight at once, each newer than the last, crossing several compactions.
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 600; i++) pending.push(a.commit('g', [{ topic: 't', partition: 0, offset: i, metadata: '' }]));
    await Promise.all(pending);
    expect(a.get('g', 't', 0)!.offset).toBe(600);
    await a.close();
    const b = await open({ compactRecordsMin: 50 });
    expect(b.get('g', 't', 0)!.offset).toBe(600);
  });
});
