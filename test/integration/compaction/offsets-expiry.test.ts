/**
 * Committed offsets against a real broker process: a group without members loses its offsets
 * after --offsets-retention-ms (tombstones, still gone after a restart), a group with a member
 * keeps them however long it lives, and standalone commits (no membership) expire by their
 * commit time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';
import { fill } from '../groups/group-helpers.js';

// Long enough that a loaded box lists all three groups before the first expires (3 s was not).
const RETENTION_MS = 5_000;
const ARGS = ['--offsets-retention-ms', String(RETENTION_MS), '--offsets-retention-check-interval-ms', '100'];
let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess(ARGS);
});

afterAll(async () => {
  await broker?.stop();
  if (broker) await removeDir(broker.dataDir);
});

/** Groups the broker lists (with members or committed offsets), through the SDK: a CLI spawn can outlast the retention on a loaded box. */
async function listedGroups(): Promise<string[]> {
  const strata = new Strata({ brokers: broker.url });
  try {
    return (await strata.groupAdmin().listGroups()).map((g) => g.groupId).sort();
  } finally {
    await strata.close();
  }
}

describe('offsets expiry', () => {
  it('expires an empty group\'s offsets, keeps a live group\'s, and the expiry survives a restart', async () => {
    const strata = new Strata({ brokers: broker.url });
    try {
      await strata.admin().createTopic({ name: 'clicks', partitions: 1 });
      await fill(strata, 'clicks', 1, 10);
      const stays = strata.consumer({ groupId: 'stays', autoOffsetReset: 'earliest', maxWaitMs: 100, decode: 'utf8' });
      const leaves = strata.consumer({ groupId: 'leaves', autoOffsetReset: 'earliest', maxWaitMs: 100, decode: 'utf8' });
      for (const c of [stays, leaves]) {
        await c.subscribe('clicks');
        const it = c[Symbol.asyncIterator]();
        for (let i = 0; i < 10; i++) await it.next();
        await c.commit();
      }
      const staysCommitted = (await stays.committed()).map((c) => c.offset);
      expect(staysCommitted[0]).toBeGreaterThan(0);
      await strata.groupAdmin().commitOffsets('standalone', [{ topic: 'clicks', partition: 0, offset: 4 }]);
      await leaves.close();
      const leftAt = Date.now();
      expect(await listedGroups()).toEqual(['leaves', 'standalone', 'stays']);
      const deadline = Date.now() + 20_000;
      let groups = await listedGroups();
      // One expiry pass removes groups one after another: wait for both, not the first seen gone.
      while ((groups.includes('leaves') || groups.includes('standalone')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        groups = await listedGroups();
      }
      expect(Date.now() - leftAt).toBeGreaterThanOrEqual(RETENTION_MS);
      // 'stays' has kept a member (heartbeating) for longer than the retention: its offsets stay.
      expect(groups).toEqual(['stays']);
      expect((await stays.committed()).map((c) => c.offset)).toEqual(staysCommitted);
      await stays.close();
    } finally {
      await strata.close();
    }
    expect(await broker.stop()).toBe(0);
    // Back with the default retention (7 days): nothing expires now, and the tombstones keep 'leaves' gone.
    broker = await startBrokerProcess([], broker.dataDir);
    expect(await listedGroups()).toEqual(['stays']);
  });
});
