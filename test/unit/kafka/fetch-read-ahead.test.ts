/**
 * Read-ahead for Kafka consumers, against a real Partition over a real LocalLog in a temp dir
 * (tail cache off, so reads go to the file as a replay's do). The oracle is a fresh read of the
 * same partition: whatever the read-ahead answers must equal it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../proto/errors.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { silentLogger } from '../../../broker/logger.js';
import { FetchReadAhead, nextOffsetAfter, ReadAheadBudget } from '../../../broker/kafka/fetch-read-ahead.js';
import { Partition } from '../../../broker/partition/partition.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, offsetsIn, openLog, smallConfig, tempDir } from '../storage/helpers.js';

const MiB = 1024 * 1024;
const KEEP_MS = 5_000;
/** Five records of 200 B: about 1 KiB per batch. */
const RECORDS_PER_BATCH = 5;
const BATCH_BYTES_ABOUT = 1100;

describe('FetchReadAhead', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog;
  let partition: Partition;
  let budget: ReadAheadBudget;
  let ahead: FetchReadAhead;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    log = await openLog(dir, smallConfig({ segmentBytes: 1 * MiB }), { tailCacheBytes: 0 });
    partition = await Partition.open({ topic: 't', index: 0, log, logger: silentLogger() });
    for (let i = 0; i < 40; i++) await partition.appendAsLeader(batch(RECORDS_PER_BATCH, { valueBytes: 200, tag: `b${i}` }), 'all').committed;
    budget = new ReadAheadBudget(16 * MiB);
    ahead = new FetchReadAhead(budget, KEEP_MS);
  });
  afterEach(async () => {
    ahead.close();
    partition.detach();
    if (!log.isClosed) await log.close().catch(() => undefined);
    await cleanup();
  });

  /** Waits until every dropped read has settled and given its budget back. */
  async function settledBudget(): Promise<number> {
    for (let i = 0; i < 50 && budget.bytesInUse > 0; i++) await new Promise((r) => setTimeout(r, 10));
    return budget.bytesInUse;
  }

  it('serves a sequential reader the same records a fresh read gives, from reads made ahead', async () => {
    const limit = 4 * BATCH_BYTES_ABOUT;
    let next = 0;
    const seen: number[] = [];
    while (next < partition.highWatermark) {
      const res = await ahead.read(partition, next, limit);
      const fresh = await partition.read(next, limit, 'high-watermark');
      expect(res.records.equals(fresh.records)).toBe(true);
      expect(res.highWatermark).toBe(partition.highWatermark);
      expect(res.logStartOffset).toBe(partition.logStartOffset);
      seen.push(...offsetsIn(res.records));
      next = nextOffsetAfter(res.records);
      res.release();
      fresh.release();
    }
    expect(seen).toEqual(Array.from({ length: 40 * RECORDS_PER_BATCH }, (_, i) => i));
    // Every read but the first came from a read ahead; the one that reached the high watermark read nothing ahead.
    expect(ahead.stats.hits).toBeGreaterThan(5);
    expect(ahead.stats.dropped).toBe(0);
    expect(ahead.size).toBe(0);
    expect(budget.bytesInUse).toBe(0);
  });

  it('reads fresh, and drops the read ahead, when the client asks for another offset or more bytes', async () => {
    const limit = 2 * BATCH_BYTES_ABOUT;
    const first = await ahead.read(partition, 0, limit);
    first.release();
    expect(ahead.size).toBe(1);
    const elsewhere = await ahead.read(partition, 100, limit);
    expect(offsetsIn(elsewhere.records)[0]).toBe(100);
    elsewhere.release();
    expect(ahead.stats.dropped).toBe(1);
    // The read at 100 read ahead from its own end; a larger budget there is not served from it.
    const bigger = await ahead.read(partition, nextOffsetAfter(elsewhere.records), 4 * limit);
    expect(bigger.records.equals((await partition.read(nextOffsetAfter(elsewhere.records), 4 * limit, 'high-watermark')).records)).toBe(true);
    bigger.release();
    expect(ahead.stats.hits).toBe(0);
    expect(ahead.stats.dropped).toBe(2);
    ahead.close();
    expect(await settledBudget()).toBe(0);
  });

  it('serves a smaller request from a larger read ahead only as a fresh read would, never past its budget', async () => {
    const small = BATCH_BYTES_ABOUT;
    const first = await ahead.read(partition, 0, 2 * small);
    const next = nextOffsetAfter(first.records);
    first.release();
    const res = await ahead.read(partition, next, 2 * small);
    expect(res.records.equals((await partition.read(next, 2 * small, 'high-watermark')).records)).toBe(true);
    expect(ahead.stats.hits).toBe(1);
    res.release();
  });

  it('reads nothing ahead when the budget is spent, and gives reserved bytes back when closed', async () => {
    const tight = new ReadAheadBudget(3 * BATCH_BYTES_ABOUT);
    const a = new FetchReadAhead(tight, KEEP_MS);
    const b = new FetchReadAhead(tight, KEEP_MS);
    (await a.read(partition, 0, 2 * BATCH_BYTES_ABOUT)).release();
    expect(a.size).toBe(1);
    expect(tight.bytesInUse).toBe(2 * BATCH_BYTES_ABOUT);
    // The second connection's read ahead would pass the shared bound: it reads nothing ahead.
    (await b.read(partition, 50, 2 * BATCH_BYTES_ABOUT)).release();
    expect(b.size).toBe(0);
    a.close();
    b.close();
    for (let i = 0; i < 50 && tight.bytesInUse > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(tight.bytesInUse).toBe(0);
    // A closed read-ahead still reads, but no longer ahead.
    (await a.read(partition, 0, BATCH_BYTES_ABOUT)).release();
    expect(a.size).toBe(0);
  });

  it('drops a read ahead nobody takes within keepMs', async () => {
    const short = new FetchReadAhead(budget, 30);
    (await short.read(partition, 0, BATCH_BYTES_ABOUT)).release();
    expect(short.size).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(short.size).toBe(0);
    expect(short.stats.dropped).toBe(1);
    expect(await settledBudget()).toBe(0);
  });

  it('does not serve bytes a truncation removed: the read ahead is checked against the high watermark when taken', async () => {
    const first = await ahead.read(partition, 0, 20 * BATCH_BYTES_ABOUT);
    const next = nextOffsetAfter(first.records);
    first.release();
    expect(ahead.size).toBe(1);
    // Let the read ahead finish, then cut the log inside what it read.
    await new Promise((r) => setTimeout(r, 20));
    await partition.truncateTo(next + RECORDS_PER_BATCH);
    const res = await ahead.read(partition, next, 20 * BATCH_BYTES_ABOUT);
    expect(offsetsIn(res.records)).toEqual(Array.from({ length: RECORDS_PER_BATCH }, (_, i) => next + i));
    expect(res.highWatermark).toBe(next + RECORDS_PER_BATCH);
    res.release();
    expect(ahead.stats.hits).toBe(0);
    expect(ahead.stats.dropped).toBe(1);
  });

  it('does not serve a read ahead across a leader epoch change', async () => {
    const first = await ahead.read(partition, 0, 2 * BATCH_BYTES_ABOUT);
    const next = nextOffsetAfter(first.records);
    first.release();
    await partition.makeLeader(partition.leaderEpoch + 1);
    const res = await ahead.read(partition, next, 2 * BATCH_BYTES_ABOUT);
    expect(offsetsIn(res.records)[0]).toBe(next);
    res.release();
    expect(ahead.stats.hits).toBe(0);
  });

  it('lets a fresh read report the error when the read ahead failed', async () => {
    // Fault injection on the real partition: the first read works, every later one fails.
    const real = partition.read.bind(partition);
    let calls = 0;
    partition.read = (offset, maxBytes, isolation) => (++calls === 1 ? real(offset, maxBytes, isolation) : Promise.reject(new StorageError('disk gone')));
    const first = await ahead.read(partition, 0, 2 * BATCH_BYTES_ABOUT);
    first.release();
    expect(calls).toBe(2); // the read ahead was made, and failed
    await expect(ahead.read(partition, nextOffsetAfter(first.records), 2 * BATCH_BYTES_ABOUT)).rejects.toThrow(/disk gone/);
    expect(calls).toBe(3);
    expect(ahead.size).toBe(0);
    expect(budget.bytesInUse).toBe(0);
  });
});

describe('nextOffsetAfter', () => {
  it('is the offset after the last batch of back-to-back batches', () => {
    const a = encodeRecordBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }]);
    const b = Buffer.from(encodeRecordBatch([{ value: Buffer.from('z') }]));
    b.writeBigInt64BE(7n, 0);
    expect(nextOffsetAfter(a)).toBe(2);
    expect(nextOffsetAfter(Buffer.concat([a, b]))).toBe(8);
  });

  it('is -1 for no batch, and stops at a garbage length instead of looping', () => {
    expect(nextOffsetAfter(Buffer.alloc(0))).toBe(-1);
    const bogus = Buffer.from(encodeRecordBatch([{ value: Buffer.from('x') }]));
    bogus.writeInt32BE(-100, 8);
    expect(nextOffsetAfter(bogus)).toBe(-1);
  });
});
