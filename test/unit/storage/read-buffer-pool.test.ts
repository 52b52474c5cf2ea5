import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseReadBuffer } from '../../../broker/storage/log-reader.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, decodeAll, openLog, smallConfig, tempDir } from './helpers.js';

/** 20 batches of 40 records x 500 bytes (~20 KiB each): reads of 64 KiB come from the pool. */
const BATCHES = 20;
const RECORDS = 40;
const READ_BYTES = 64 * 1024;

describe('read buffer pool', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    log = await openLog(dir, smallConfig({ segmentBytes: 1 << 20 }));
    let last;
    for (let i = 0; i < BATCHES; i++) last = log.appendAsLeader(batch(RECORDS, { valueBytes: 500, tag: `b${i}` }), 0);
    await last!.written;
    // Reopened, so reads come from the file rather than from memory of the appends.
    await log.close();
    log = await openLog(dir, smallConfig({ segmentBytes: 1 << 20 }));
  });
  afterEach(async () => {
    await log.close();
    await cleanup();
  });

  const valuesAt = (records: Buffer): string[] => decodeAll(records).map((r) => r.value);
  const expected = (fromBatch: number, n: number): string[] =>
    Array.from({ length: n * RECORDS }, (_, i) => `b${fromBatch + Math.floor(i / RECORDS)}-${i % RECORDS}`);

  it('reuses a released read buffer for the next read, which then holds the new bytes', async () => {
    const a = (await log.read(0, READ_BYTES, log.writtenEndOffset)).records;
    expect(a.length).toBeGreaterThan(16 * 1024);
    const n = decodeAll(a).length / RECORDS;
    expect(valuesAt(a)).toEqual(expected(0, n));
    releaseReadBuffer(a);
    const b = (await log.read(10 * RECORDS, READ_BYTES, log.writtenEndOffset)).records;
    expect(b.buffer).toBe(a.buffer);
    expect(valuesAt(b)).toEqual(expected(10, decodeAll(b).length / RECORDS));
  });

  it('keeps unreleased records intact while other reads run, and ignores double and foreign releases', async () => {
    const a = (await log.read(0, READ_BYTES, log.writtenEndOffset)).records;
    const aValues = valuesAt(a);
    releaseReadBuffer(a);
    releaseReadBuffer(a); // a second release must not put the buffer in the pool twice
    releaseReadBuffer(Buffer.alloc(32 * 1024)); // never lent: ignored
    const b = (await log.read(5 * RECORDS, READ_BYTES, log.writtenEndOffset)).records;
    const c = (await log.read(15 * RECORDS, READ_BYTES, log.writtenEndOffset)).records;
    expect(c.buffer).not.toBe(b.buffer);
    expect(valuesAt(b)).toEqual(expected(5, decodeAll(b).length / RECORDS));
    expect(valuesAt(c)).toEqual(expected(15, decodeAll(c).length / RECORDS));
    // A read nobody releases is just garbage; reads keep working and agree with the first.
    const again = (await log.read(0, READ_BYTES, log.writtenEndOffset)).records;
    expect(valuesAt(again)).toEqual(aValues);
  });
});
