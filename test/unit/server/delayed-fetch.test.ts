/**
 * A fetch parked at the end of a log is answered in the event-loop turn in which the fdatasync
 * covering the new data completed: the high-watermark advance, the read (from the tail cache)
 * and the answer are all microtasks of that turn, with no threadpool read in between.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../broker/logger.js';
import { waitForFetchData } from '../../../broker/server/delayed-fetch.js';
import { readFetchPass, type FetchTarget } from '../../../broker/server/fetch-reader.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { TailCacheBudget } from '../../../broker/storage/tail-cache-budget.js';
import { Partition } from '../../../broker/partition/partition.js';
import { batch, offsetsIn, openLog, smallConfig, tempDir } from '../storage/helpers.js';

describe('delayed fetch', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }), { tailCacheBudget: new TailCacheBudget(1 << 20) });
  });
  afterEach(async () => {
    await log.close();
    await cleanup();
  });

  it('answers a parked fetch in the turn that made the data durable, without reading the file', async () => {
    const partition = new Partition({ topic: 't', index: 0, log, logger: silentLogger() });
    await partition.appendAsLeader(batch(2), 'all').committed;
    const targets: FetchTarget[] = [{ topic: 't', partition: 0, fetchOffset: 2, partitionMaxBytes: 1 << 20, source: partition }];
    const first = await readFetchPass(targets, 1 << 20);
    expect(first.bytes).toBe(0);
    const waited = waitForFetchData({
      targets, minBytes: 1, maxBytes: 1 << 20, maxWaitMs: 5_000, first,
      connectionClosed: new AbortController().signal, stopping: new AbortController().signal,
      lookup: () => partition, onError: (err) => { throw err; },
    });
    // Registered after the fetch's own listener: runs once the fetch has been woken.
    let turnEnded = false;
    partition.onHighWatermark(() => setImmediate(() => { turnEnded = true; }));
    const fileReads = log.stats.fileReads;
    await partition.appendAsLeader(batch(3, { tag: 'new' }), 'all').written;
    const pass = await waited;
    expect(turnEnded).toBe(false);
    expect(offsetsIn(pass!.reads[0]!.records)).toEqual([2, 3, 4]);
    expect(log.stats.fileReads).toBe(fileReads);
  });
});
