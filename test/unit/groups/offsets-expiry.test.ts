import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetStore } from '../../../broker/groups/offset-store.js';
import { OffsetsExpiry } from '../../../broker/groups/offsets-expiry.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';

const RETENTION_MS = 60_000;
let dir: string;
let store: OffsetStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-expiry-'));
  store = await OffsetStore.open({ dataDir: dir, logDefaults: { ...DEFAULT_LOG_CONFIG, flushPolicy: 'never' }, logger: silentLogger() });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** An expiry whose clock and group states the test sets. */
function expiryAt(clock: { now: number }, groups: { members: Set<string>; emptiedAt: Map<string, number> }) {
  return new OffsetsExpiry({
    store, retentionMs: RETENTION_MS, checkIntervalMs: 1_000_000, logger: silentLogger(), now: () => clock.now,
    hasMembers: (g) => groups.members.has(g), emptiedAtMs: (g) => groups.emptiedAt.get(g), forget: (g) => groups.emptiedAt.delete(g),
  });
}

describe('offsets expiry', () => {
  it('expires the offsets of groups without members once the retention has passed, never those of groups with members', async () => {
    const start = Date.now();
    for (const g of ['active', 'emptied', 'standalone']) await store.commit(g, [{ topic: 't', partition: 0, offset: 5, metadata: '' }]);
    const groups = { members: new Set(['active']), emptiedAt: new Map([['emptied', start + 30_000]]) };
    const clock = { now: start + RETENTION_MS + 1_000 };
    const expiry = expiryAt(clock, groups);
    // 'standalone' counts from its commit (retention passed); 'emptied' from when it emptied (not yet).
    expect(await expiry.expire()).toBe(1);
    expect(store.hasGroup('standalone')).toBe(false);
    expect(store.hasGroup('emptied')).toBe(true);
    clock.now = start + 30_000 + RETENTION_MS;
    expect(await expiry.expire()).toBe(1);
    expect(store.hasGroup('emptied')).toBe(false);
    expect(groups.emptiedAt.has('emptied')).toBe(false);
    clock.now += 10 * RETENTION_MS;
    expect(await expiry.expire()).toBe(0);
    expect(store.get('active', 't', 0)!.offset).toBe(5);
  });

  it('keeps a commit made after the group emptied for its full retention', async () => {
    const start = Date.now();
    await store.commit('g', [{ topic: 't', partition: 0, offset: 1, metadata: '' }, { topic: 't', partition: 1, offset: 1, metadata: '' }]);
    const groups = { members: new Set<string>(), emptiedAt: new Map([['g', start - RETENTION_MS]]) };
    const clock = { now: start + 1 };
    const expiry = expiryAt(clock, groups);
    await new Promise((r) => setTimeout(r, 5));
    await store.commit('g', [{ topic: 't', partition: 1, offset: 2, metadata: '' }]);
    const first = store.get('g', 't', 0)!.commitTimestamp;
    expect(store.get('g', 't', 1)!.commitTimestamp).toBeGreaterThan(first);
    clock.now = first + RETENTION_MS;
    expect(await expiry.expire()).toBe(1);
    expect(store.get('g', 't', 0)).toBeUndefined();
    expect(store.get('g', 't', 1)!.offset).toBe(2);
  });

  it('writes tombstones: expired offsets stay gone after a restart', async () => {
    await store.commit('gone', [{ topic: 't', partition: 0, offset: 9, metadata: '' }]);
    const expiry = expiryAt({ now: Date.now() + RETENTION_MS }, { members: new Set(), emptiedAt: new Map() });
    expect(await expiry.expire()).toBe(1);
    await store.close();
    store = await OffsetStore.open({ dataDir: dir, logDefaults: DEFAULT_LOG_CONFIG, logger: silentLogger() });
    expect(store.hasGroup('gone')).toBe(false);
  });

  it('leaves a group alone while one of its commits is on its way to disk', async () => {
    await store.commit('busy', [{ topic: 't', partition: 0, offset: 1, metadata: '' }]);
    const inFlight = store.commit('busy', [{ topic: 't', partition: 0, offset: 2, metadata: '' }]);
    const expiry = expiryAt({ now: Date.now() + RETENTION_MS }, { members: new Set(), emptiedAt: new Map() });
    expect(store.hasPendingAppends('busy')).toBe(true);
    expect(await expiry.expire()).toBe(0);
    await inFlight;
    expect(store.get('busy', 't', 0)!.offset).toBe(2);
  });
});
