import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../broker/logger.js';
import { InvalidRecordBatchError, MessageTooLargeError, OffsetOutOfRangeError } from '../../../proto/errors.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, offsetsIn, openLog, smallConfig, tempDir } from './helpers.js';

describe('LocalLog basic path', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    await cleanup();
  });

  it('closes an empty new log without writing index files, and reopens it cleanly', async () => {
    log = await openLog(dir, smallConfig());
    await log.close();
    expect(await readdir(dir)).toEqual(['00000000000000000000.log']);
    const warnings: unknown[] = [];
    const watching = Object.assign(Object.create(silentLogger()), {
      warn: (...args: unknown[]) => warnings.push(args),
      child() { return watching; },
    });
    log = await openLog(dir, smallConfig(), { logger: watching });
    expect(warnings).toEqual([]); // no "inconsistent, recovering" on the next start
    await log.appendAsLeader(batch(3), 0).durable;
    await log.close();
    expect((await readdir(dir)).sort()).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']);
    log = await openLog(dir, smallConfig());
    expect(log.logEndOffset).toBe(3);
  });

  it('assigns contiguous offsets and reads back what was appended', async () => {
    log = await openLog(dir, smallConfig());
    const a = log.appendAsLeader(batch(3), 0);
    const b = log.appendAsLeader(batch(2), 0);
    expect([a.baseOffset, a.lastOffset, b.baseOffset, b.lastOffset]).toEqual([0, 2, 3, 4]);
    expect(log.logEndOffset).toBe(5);
    await b.durable;
    expect(log.writtenEndOffset).toBe(5);
    const r = await log.read(0, 1 << 20, log.writtenEndOffset);
    expect(offsetsIn(r.records)).toEqual([0, 1, 2, 3, 4]);
    const r2 = await log.read(3, 1 << 20, log.writtenEndOffset);
    expect(offsetsIn(r2.records)).toEqual([3, 4]);
    const r3 = await log.read(1, 1 << 20, log.writtenEndOffset);
    expect(offsetsIn(r3.records)).toEqual([0, 1, 2, 3, 4]);
  });

  it('emits written and durable as the ends advance', async () => {
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }));
    const seen: string[] = [];
    log.on('written', (end) => seen.push(`written ${end}`));
    log.on('durable', (end) => seen.push(`durable ${end}`));
    await log.appendAsLeader(batch(4), 0).durable;
    expect(seen).toEqual(['written 4', 'durable 4']);
  });

  it('keeps working when an end listener throws', async () => {
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }));
    log.on('written', () => { throw new Error('listener bug'); });
    log.on('durable', () => { throw new Error('listener bug'); });
    await log.appendAsLeader(batch(1), 0).durable;
    await log.appendAsLeader(batch(1), 0).durable;
    expect(log.durableEndOffset).toBe(2);
  });

  it('rejects an invalid batch synchronously and writes nothing', async () => {
    log = await openLog(dir, smallConfig());
    const bad = batch(2);
    bad[bad.length - 1] ^= 0xff;
    expect(() => log.appendAsLeader(bad, 0)).toThrow(InvalidRecordBatchError);
    expect(log.logEndOffset).toBe(0);
    const huge = batch(1, { valueBytes: 70 * 1024 });
    expect(() => log.appendAsLeader(huge, 0)).toThrow(MessageTooLargeError);
    // One bad batch among good ones: nothing is stamped or written.
    const mixed = Buffer.concat([batch(2), batch(1), bad]);
    mixed.writeBigInt64BE(77n, 0); // a base offset the log would overwrite if it stamped anything
    const before = Buffer.from(mixed);
    expect(() => log.appendAsLeader(mixed, 0)).toThrow(InvalidRecordBatchError);
    expect(mixed).toEqual(before);
    expect(log.logEndOffset).toBe(0);
    await log.flush();
    expect(log.sizeBytes).toBe(0);
  });

  it('throws OffsetOutOfRangeError with the range', async () => {
    log = await openLog(dir, smallConfig());
    await log.appendAsLeader(batch(2), 0).written;
    const err = await log.read(5, 100, log.writtenEndOffset).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect(err).toMatchObject({ offset: 5, logStartOffset: 0, logEndOffset: 2, topic: 't', partition: 0 });
  });

  it('reopens and continues after a clean close', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 8192 }));
    for (let i = 0; i < 50; i++) log.appendAsLeader(batch(10, { valueBytes: 50 }), 0);
    await log.close();
    log = await openLog(dir, smallConfig({ segmentBytes: 8192 }));
    expect(log.logEndOffset).toBe(500);
    expect(log.segmentCount).toBeGreaterThan(1);
    const r = await log.read(250, 1 << 20, log.writtenEndOffset);
    expect(offsetsIn(r.records)[0]).toBe(250);
    log.appendAsLeader(batch(1), 0);
    await log.flush();
    expect(log.writtenEndOffset).toBe(501);
  });
});
