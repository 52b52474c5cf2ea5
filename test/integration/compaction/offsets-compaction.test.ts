/**
 * __consumer_offsets in a real broker process is compacted by the broker's own log cleaner (the
 * store's old special case is gone): after many commits of one key its log shrinks to about one
 * record per live key plus the open segment, and the latest commit survives a restart.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { BATCH_HEADER_BYTES } from '../../../proto/constants.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

const COMMITS = 600;
let broker: BrokerProcess;

beforeAll(async () => {
  // 4 KiB offsets segments so a few hundred commits seal several; the cleaner looks every 100 ms.
  broker = await startBrokerProcess(['--test-offsets-segment-bytes', '4096', '--cleaner-backoff-ms', '100', '--cleaner-io-bytes-per-second', '0']);
});

afterAll(async () => {
  await broker?.stop();
  if (broker) await removeDir(broker.dataDir);
});

/** Bytes of .log files of every __consumer_offsets partition. */
async function offsetsLogBytes(): Promise<number> {
  const root = join(broker.dataDir, '__consumer_offsets');
  let total = 0;
  for (const d of await readdir(root)) {
    if (!d.startsWith('__consumer_offsets-')) continue;
    for (const f of await readdir(join(root, d))) {
      if (!f.endsWith('.log')) continue;
      // A cleaner swap may remove a segment between the listing and its stat: it holds nothing then.
      total += (await stat(join(root, d, f)).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return { size: 0 }; throw err; })).size;
    }
  }
  return total;
}

describe('__consumer_offsets compaction', () => {
  it('is done by the broker\'s log cleaner: the log shrinks to the live keys, the latest commit survives a restart', async () => {
    const strata = new Strata({ brokers: broker.url });
    try {
      await strata.admin().createTopic({ name: 'events', partitions: 1 });
      const groups = strata.groupAdmin();
      for (let i = 1; i <= COMMITS; i++) await groups.commitOffsets('readers', [{ topic: 'events', partition: 0, offset: i }]);
    } finally {
      await strata.close();
    }
    // Each commit appended one batch, and a batch header alone is 61 bytes: uncompacted, the log
    // would hold at least COMMITS x 61 bytes. Compacted, one live key: the open 4 KiB segment and
    // the latest record.
    const written = COMMITS * BATCH_HEADER_BYTES;
    const deadline = Date.now() + 20_000;
    let now = await offsetsLogBytes();
    while (now > written / 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = await offsetsLogBytes();
    }
    expect(now).toBeGreaterThan(0);
    expect(now).toBeLessThan(written / 4);

    expect(await broker.stop()).toBe(0);
    broker = await startBrokerProcess([], broker.dataDir);
    const again = new Strata({ brokers: broker.url });
    try {
      const [committed] = await again.groupAdmin().fetchOffsets('readers', [{ topic: 'events', partition: 0 }]);
      expect(committed!.offset).toBe(COMMITS);
    } finally {
      await again.close();
    }
  });
});
