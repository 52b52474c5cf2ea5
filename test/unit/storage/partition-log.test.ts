import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRecordBatchError, MessageTooLargeError, OffsetOutOfRangeError } from '../../../proto/errors.js';
import type { PartitionLog } from '../../../broker/storage/partition-log.js';
import { batch, offsetsIn, openLog, smallConfig, tempDir } from './helpers.js';

describe('PartitionLog basic path', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: PartitionLog;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    if (log && !log.isClosed) await log.close();
    await cleanup();
  });

  it('assigns contiguous offsets and reads back what was appended', async () => {
    log = await openLog(dir, smallConfig());
    const a = log.append(batch(3));
    const b = log.append(batch(2));
    expect([a.baseOffset, a.lastOffset, b.baseOffset, b.lastOffset]).toEqual([0, 2, 3, 4]);
    expect(log.logEndOffset).toBe(5);
    await b.durable;
    expect(log.highWatermark).toBe(5);
    const r = await log.read(0, 1 << 20);
    expect(offsetsIn(r.records)).toEqual([0, 1, 2, 3, 4]);
    const r2 = await log.read(3, 1 << 20);
    expect(offsetsIn(r2.records)).toEqual([3, 4]);
    const r3 = await log.read(1, 1 << 20);
    expect(offsetsIn(r3.records)).toEqual([0, 1, 2, 3, 4]);
  });

  it('emits highWatermark as it advances', async () => {
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }));
    const seen: number[] = [];
    log.on('highWatermark', (hw: number) => seen.push(hw));
    await log.append(batch(4)).durable;
    expect(seen.at(-1)).toBe(4);
  });

  it('keeps working when a highWatermark listener throws', async () => {
    log = await openLog(dir, smallConfig({ flushPolicy: 'always' }));
    log.on('highWatermark', () => { throw new Error('listener bug'); });
    await log.append(batch(1)).durable;
    await log.append(batch(1)).durable;
    expect(log.highWatermark).toBe(2);
  });

  it('rejects an invalid batch synchronously and writes nothing', async () => {
    log = await openLog(dir, smallConfig());
    const bad = batch(2);
    bad[bad.length - 1] ^= 0xff;
    expect(() => log.append(bad)).toThrow(InvalidRecordBatchError);
    expect(log.logEndOffset).toBe(0);
    const huge = batch(1, { valueBytes: 70 * 1024 });
    expect(() => log.append(huge)).toThrow(MessageTooLargeError);
    // One bad batch among good ones: nothing is stamped or written.
    const mixed = Buffer.concat([batch(2), batch(1), bad]);
    mixed.writeBigInt64BE(77n, 0); // a base offset the log would overwrite if it stamped anything
    const before = Buffer.from(mixed);
    expect(() => log.append(mixed)).toThrow(InvalidRecordBatchError);
    expect(mixed).toEqual(before);
    expect(log.logEndOffset).toBe(0);
    await log.flush();
    expect(log.sizeBytes).toBe(0);
  });

  it('throws OffsetOutOfRangeError with the range', async () => {
    log = await openLog(dir, smallConfig());
    await log.append(batch(2)).written;
    const err = await log.read(5, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect(err).toMatchObject({ offset: 5, logStartOffset: 0, logEndOffset: 2, topic: 't', partition: 0 });
  });

  it('reopens and continues after a clean close', async () => {
    log = await openLog(dir, smallConfig({ segmentBytes: 8192 }));
    for (let i = 0; i < 50; i++) log.append(batch(10, { valueBytes: 50 }));
    await log.close();
    log = await openLog(dir, smallConfig({ segmentBytes: 8192 }));
    expect(log.logEndOffset).toBe(500);
    expect(log.segmentCount).toBeGreaterThan(1);
    const r = await log.read(250, 1 << 20);
    expect(offsetsIn(r.records)[0]).toBe(250);
    log.append(batch(1));
    await log.flush();
    expect(log.highWatermark).toBe(501);
  });
});
