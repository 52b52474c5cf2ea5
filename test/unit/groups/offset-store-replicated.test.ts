/**
 * The offset store in cluster mode (OffsetStore.replicated): it serves only the offsets
 * partitions loaded into it (the ones the broker leads), answers the others with the retriable
 * coordinator errors, replays a partition's log on load, forgets its groups on unload, and never
 * applies a commit that settles after its partition was unloaded. The partition logs here are
 * real local logs; the replicated append path itself is covered by test/cluster/groups-failover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetStore, type OffsetsShardSource } from '../../../broker/groups/offset-store.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { CoordinatorLoadInProgressError, CoordinatorNotAvailableError, NotCoordinatorError } from '../../../proto/errors.js';

const PARTITIONS = 2;
let dir: string;
let backing: OffsetStore;

/** A group homed on offsets partition `p` of PARTITIONS. */
function groupOn(p: number, prefix = 'g'): string {
  for (let i = 0; ; i++) if (OffsetStore.partitionFor(`${prefix}${i}`, PARTITIONS) === p) return `${prefix}${i}`;
}

/** A shard source over a real log; `hold` delays every append's settling until `release()`. */
function sourceOf(log: LocalLog, opts: { hold?: boolean } = {}) {
  const held: Array<() => void> = [];
  let serving = true;
  const source: OffsetsShardSource = {
    log,
    append: (bytes) => {
      const r = log.appendAsLeader(bytes, 0);
      const done = opts.hold ? r.durable.then(() => new Promise<void>((resolve) => held.push(resolve))) : r.durable;
      return { baseOffset: r.baseOffset, done };
    },
    serving: () => serving,
  };
  return { source, release: () => { for (const r of held.splice(0)) r(); }, stop: () => { serving = false; } };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-offsets-repl-'));
  // Its logs serve as the replicas of the replicated store's partitions.
  backing = await OffsetStore.open({ dataDir: dir, logDefaults: { ...DEFAULT_LOG_CONFIG, flushPolicy: 'never' }, logger: silentLogger() });
});

afterEach(async () => {
  await backing.close();
  await rm(dir, { recursive: true, force: true });
});

describe('replicated offset store', () => {
  it('serves only loaded partitions: CoordinatorNotAvailable before the topic exists, NotCoordinator elsewhere, LoadInProgress while replaying', async () => {
    let count: number | undefined;
    const store = OffsetStore.replicated({ partitionCount: () => count, logger: silentLogger() });
    const g0 = groupOn(0);
    const g1 = groupOn(1);
    expect(() => store.checkServes(g0)).toThrow(CoordinatorNotAvailableError);
    count = PARTITIONS;
    expect(() => store.checkServes(g0)).toThrow(NotCoordinatorError);
    await expect(store.commit(g0, [{ topic: 't', partition: 0, offset: 1, metadata: '' }])).rejects.toThrow(NotCoordinatorError);

    const { source } = sourceOf(backing.logs()[0]!);
    const loading = store.load(0, source);
    expect(() => store.checkServes(g0)).toThrow(CoordinatorLoadInProgressError);
    await loading;
    store.checkServes(g0);
    expect(() => store.checkServes(g1)).toThrow(NotCoordinatorError);
    await store.commit(g0, [{ topic: 't', partition: 0, offset: 7, metadata: 'm' }]);
    expect(store.get(g0, 't', 0)).toMatchObject({ offset: 7, metadata: 'm' });
    await store.close();
  });

  it('forgets a partition\'s groups on unload and replays them from the log on the next load', async () => {
    const store = OffsetStore.replicated({ partitionCount: () => PARTITIONS, logger: silentLogger() });
    const g = groupOn(1);
    const other = groupOn(0, 'h');
    const log = backing.logs()[1]!;
    await store.load(1, sourceOf(log).source);
    await store.load(0, sourceOf(backing.logs()[0]!).source);
    await store.commit(g, [{ topic: 't', partition: 0, offset: 3, metadata: '' }, { topic: 't', partition: 1, offset: 9, metadata: '' }]);
    await store.commit(g, [{ topic: 't', partition: 0, offset: 5, metadata: '' }]);
    await store.commit(other, [{ topic: 't', partition: 0, offset: 2, metadata: '' }]);
    expect(store.unload(1)).toEqual([g]);
    expect(store.hasGroup(g)).toBe(false);
    expect(() => store.checkServes(g)).toThrow(NotCoordinatorError);
    // The other partition's groups are untouched.
    expect(store.get(other, 't', 0)?.offset).toBe(2);
    // Leadership back: the latest commit of every key comes back from the log.
    await store.load(1, sourceOf(log).source);
    expect(store.groupOffsets(g).map((o) => [o.partition, o.offset]).sort()).toEqual([[0, 5], [1, 9]]);
    await store.close();
  });

  it('does not apply a commit that settles after its partition was unloaded, and fails it with NotCoordinator', async () => {
    const store = OffsetStore.replicated({ partitionCount: () => PARTITIONS, logger: silentLogger() });
    const g = groupOn(0);
    const held = sourceOf(backing.logs()[0]!, { hold: true });
    await store.load(0, held.source);
    const commit = store.commit(g, [{ topic: 't', partition: 0, offset: 4, metadata: '' }]);
    // Replication not done yet: nothing visible, and then leadership moves.
    await new Promise((r) => setTimeout(r, 20));
    expect(store.get(g, 't', 0)).toBeUndefined();
    store.unload(0);
    held.release();
    await expect(commit).rejects.toThrow(NotCoordinatorError);
    expect(store.hasGroup(g)).toBe(false);
    // A source that says it no longer serves (lease lost) is refused too.
    const stopped = sourceOf(backing.logs()[0]!);
    await store.load(0, stopped.source);
    stopped.stop();
    expect(() => store.checkServes(g)).toThrow(NotCoordinatorError);
    await store.close();
  });
});
