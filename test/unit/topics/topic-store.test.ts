import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptLogError } from '../../../proto/errors.js';
import { silentLogger } from '../../../broker/logger.js';
import { TOPICS_FILE, TopicStore } from '../../../broker/topics/topic-store.js';

describe('TopicStore', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-topic-store-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('starts empty when topics.json does not exist', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    expect(store.list()).toEqual([]);
  });

  it('persists adds and removes and reloads them', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'b', partitions: 3, config: { retentionMs: 1000, flushPolicy: 'never' }, createdAtMs: 1 });
    await store.add({ name: 'a', partitions: 1, config: {}, createdAtMs: 2 });
    await store.add({ name: 'c', partitions: 2, config: {}, createdAtMs: 3 });
    await store.remove('c');
    const reloaded = await TopicStore.open(dir, silentLogger());
    expect(reloaded.list().sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: 'a', partitions: 1, config: {}, createdAtMs: 2 },
      { name: 'b', partitions: 3, config: { retentionMs: 1000, flushPolicy: 'never' }, createdAtMs: 1 },
    ]);
    // Only the final file is left: no temp files.
    expect(await readdir(dir)).toEqual([TOPICS_FILE]);
  });

  it('keeps concurrent writes ordered so the last state wins', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.add({ name: `t${i}`, partitions: 1, config: {}, createdAtMs: i })));
    await store.remove('t7');
    const reloaded = await TopicStore.open(dir, silentLogger());
    expect(reloaded.size).toBe(19);
    expect(reloaded.get('t7')).toBeUndefined();
  });

  it('ignores and removes a stray temp file from an interrupted write', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'kept', partitions: 1, config: {}, createdAtMs: 0 });
    // A crash between writing the temp file and renaming it: half a JSON document.
    await writeFile(join(dir, `${TOPICS_FILE}.tmp`), '{"version":1,"topics":[{"name":"lost"');
    const reloaded = await TopicStore.open(dir, silentLogger());
    expect(reloaded.list().map((t) => t.name)).toEqual(['kept']);
    expect(await readdir(dir)).toEqual([TOPICS_FILE]);
  });

  it('refuses to start from a corrupt topics.json instead of treating it as empty', async () => {
    await writeFile(join(dir, TOPICS_FILE), '{"version":1,"topics":[');
    await expect(TopicStore.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
  });

  it.each([
    ['a bad topic name', { name: '../x', partitions: 1 }],
    ['a zero partition count', { name: 'x', partitions: 0 }],
    ['an unknown config key', { name: 'x', partitions: 1, config: { bogus: 1 } }],
    ['a bad flush policy', { name: 'x', partitions: 1, config: { flushPolicy: 'sometimes' } }],
  ])('refuses an entry with %s', async (_what, entry) => {
    await writeFile(join(dir, TOPICS_FILE), JSON.stringify({ version: 1, topics: [entry] }));
    await expect(TopicStore.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
  });

  it('refuses a duplicate entry and an unknown format version', async () => {
    const t = { name: 'x', partitions: 1 };
    await writeFile(join(dir, TOPICS_FILE), JSON.stringify({ version: 1, topics: [t, t] }));
    await expect(TopicStore.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
    await writeFile(join(dir, TOPICS_FILE), JSON.stringify({ version: 2, topics: [] }));
    await expect(TopicStore.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
  });

  it('undoes an add whose write fails', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'a', partitions: 1, config: {}, createdAtMs: 0 });
    await rm(dir, { recursive: true }); // the next write cannot create its temp file
    await expect(store.add({ name: 'b', partitions: 1, config: {}, createdAtMs: 0 })).rejects.toThrow();
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBeDefined();
  });

  it('writes a readable, versioned JSON document', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'orders', partitions: 2, config: { segmentBytes: 4096 }, createdAtMs: 5 });
    const doc = JSON.parse(await readFile(join(dir, TOPICS_FILE), 'utf8'));
    expect(doc).toEqual({ version: 1, topics: [{ name: 'orders', partitions: 2, config: { segmentBytes: 4096 }, createdAtMs: 5 }] });
  });

  it('persists many concurrent changes in a few writes, not one write each', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    let writes = 0;
    const original = (store as unknown as { serialize(): string }).serialize.bind(store);
    (store as unknown as { serialize(): string }).serialize = () => { writes++; return original(); };
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.add({ name: `t${i}`, partitions: 1, config: {}, createdAtMs: i })));
    // The first add writes alone; the 199 queued behind it share the next write.
    expect(writes).toBeLessThanOrEqual(3);
    expect((await TopicStore.open(dir, silentLogger())).size).toBe(200);
  });

  it('undoes every change of a group whose write fails, and rejects each caller', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'kept', partitions: 1, config: {}, createdAtMs: 0 });
    await mkdir(join(dir, `${TOPICS_FILE}.tmp`)); // the temp file cannot be opened for writing
    const results = await Promise.allSettled([
      store.add({ name: 'a', partitions: 1, config: {}, createdAtMs: 0 }),
      store.add({ name: 'b', partitions: 1, config: {}, createdAtMs: 0 }),
      store.remove('kept'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(store.list().map((t) => t.name)).toEqual(['kept']);
    expect(store.deleting()).toEqual([]);
    await rm(join(dir, `${TOPICS_FILE}.tmp`), { recursive: true });
    await store.add({ name: 'c', partitions: 1, config: {}, createdAtMs: 0 }); // the store still works
    expect((await TopicStore.open(dir, silentLogger())).list().map((t) => t.name).sort()).toEqual(['c', 'kept']);
  });

  it('persists a removed topic as deleting until its deletion is finished', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'gone', partitions: 1, config: {}, createdAtMs: 0 });
    await store.remove('gone');
    const afterCrash = await TopicStore.open(dir, silentLogger());
    expect(afterCrash.get('gone')).toBeUndefined();
    expect(afterCrash.deleting()).toEqual(['gone']);
    await afterCrash.finishDelete('gone');
    expect((await TopicStore.open(dir, silentLogger())).deleting()).toEqual([]);
  });

  it('drops the deleting mark when a topic of the same name is created', async () => {
    const store = await TopicStore.open(dir, silentLogger());
    await store.add({ name: 'again', partitions: 1, config: {}, createdAtMs: 0 });
    await store.remove('again');
    await store.add({ name: 'again', partitions: 2, config: {}, createdAtMs: 1 });
    const reloaded = await TopicStore.open(dir, silentLogger());
    expect(reloaded.deleting()).toEqual([]);
    expect(reloaded.get('again')?.partitions).toBe(2);
  });

  it('refuses a deleting list that is not a list of topic names', async () => {
    await writeFile(join(dir, TOPICS_FILE), JSON.stringify({ version: 1, topics: [], deleting: 'x' }));
    await expect(TopicStore.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
    await writeFile(join(dir, TOPICS_FILE), JSON.stringify({ version: 1, topics: [], deleting: ['../etc'] }));
    await expect(TopicStore.open(dir, silentLogger())).rejects.toThrow(CorruptLogError);
  });
});
