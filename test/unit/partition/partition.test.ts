/**
 * The partition owns the high watermark: consumers read up to it, acks=all produces wait for
 * it, retention stops at it. Single node: the durable end under flush 'always', the written end
 * otherwise.
 */
import { mkdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidProducerEpochError, InvalidRecordBatchError, InvalidRequestError, StorageError, UnknownProducerIdError,
} from '../../../proto/errors.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { silentLogger } from '../../../broker/logger.js';
import { Partition } from '../../../broker/partition/partition.js';
import { ProducerIdAllocator } from '../../../broker/partition/producer-ids.js';
import { ioError } from '../../../broker/storage/file-io.js';
import type { LocalLog, LocalLogOptions } from '../../../broker/storage/local-log.js';
import type { LogConfig } from '../../../broker/storage/log-config.js';
import { batch, offsetsIn, openLog, smallConfig, tempDir } from '../storage/helpers.js';

/** A sync hook that blocks fdatasyncs while `hold` is set, or fails them while `fail` is. */
function syncGate(): { hold: boolean; fail: boolean; open(): void; hook: LocalLogOptions['faults'] } {
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const g = {
    hold: false,
    fail: false,
    open: () => { g.hold = false; release(); },
    hook: {
      sync: async () => {
        if (g.fail) throw ioError('EIO', 'EIO: i/o error, fdatasync');
        if (g.hold) await gate;
      },
    },
  };
  gate = new Promise<void>((r) => { release = r; });
  return g;
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setTimeout(r, 10));
  return done;
};

describe('Partition', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  let partition: Partition | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    partition?.detach();
    if (log && !log.isClosed) await log.close().catch(() => undefined);
    log = undefined;
    partition = undefined;
    await cleanup();
  });

  async function open(config: LogConfig, extra: Partial<LocalLogOptions> = {}, producerIds?: ProducerIdAllocator): Promise<Partition> {
    log = await openLog(dir, config, extra);
    partition = await Partition.open({ topic: 't', index: 0, log, logger: silentLogger(), ...(producerIds ? { producerIds } : {}) });
    return partition;
  }

  it('refuses control batches and producer ids or epochs never issued, appending nothing', async () => {
    await mkdir(`${dir}/ids`);
    const ids = await ProducerIdAllocator.open(`${dir}/ids`, silentLogger());
    const p = await open(smallConfig(), {}, ids);
    const issued = await ids.next();
    const idem = (producerId: number, producerEpoch = 0, extra: object = {}): Buffer =>
      encodeRecordBatch([{ value: Buffer.from('v') }], { producerId, producerEpoch, baseSequence: 0, ...extra });
    expect(() => p.appendAsLeader(encodeRecordBatch([{ value: Buffer.from('m') }], { isControl: true }), 'all')).toThrow(InvalidRecordBatchError);
    expect(() => p.appendAsLeader(idem(issued, 0, { isControl: true }), 'all')).toThrow(InvalidRecordBatchError);
    for (const forged of [issued + 1, 987_654, 2 ** 53 - 1, -2]) expect(() => p.appendAsLeader(idem(forged), 'all')).toThrow(UnknownProducerIdError);
    expect(() => p.appendAsLeader(idem(issued, 1), 'all')).toThrow(InvalidProducerEpochError);
    // A request is all or nothing: a forged batch behind a good one refuses both.
    expect(() => p.appendAsLeader(Buffer.concat([batch(1), idem(issued + 1)]), 'all')).toThrow(UnknownProducerIdError);
    expect(p.logEndOffset).toBe(0);
    await p.appendAsLeader(idem(issued), 'all').committed;
    await p.appendAsLeader(batch(1), 'all').committed;
    expect(p.logEndOffset).toBe(2);
  });

  it("under 'always' moves the high watermark only after the fdatasync, and acks=all waits for it", async () => {
    const gate = syncGate();
    const p = await open(smallConfig({ flushPolicy: 'always' }), { faults: gate.hook });
    await p.appendAsLeader(batch(2), 'all').committed;
    expect(p.highWatermark).toBe(2);
    gate.hold = true;
    const late = p.appendAsLeader(batch(3, { tag: 'late' }), 'all');
    await late.written;
    expect(await settled(late.committed!)).toBe(false);
    expect([p.logEndOffset, p.highWatermark]).toEqual([5, 2]);
    // Consumers see nothing past the high watermark; a replica (log-end isolation) sees what is written.
    expect(offsetsIn((await p.read(0, 1 << 20, 'high-watermark')).records)).toEqual([0, 1]);
    expect((await p.read(2, 1 << 20, 'high-watermark')).records.length).toBe(0);
    expect(offsetsIn((await p.read(2, 1 << 20, 'log-end')).records)).toEqual([2, 3, 4]);
    const seen: number[] = [];
    p.onHighWatermark((hw) => seen.push(hw));
    gate.open();
    await late.committed;
    expect(p.highWatermark).toBe(5);
    expect(seen).toEqual([5]);
    const r = await p.read(2, 1 << 20, 'high-watermark');
    expect(offsetsIn(r.records)).toEqual([2, 3, 4]);
    expect(r.highWatermark).toBe(5);
    r.release();
  });

  it("under 'interval' and 'never' moves the high watermark with the written end", async () => {
    for (const flushPolicy of ['interval', 'never'] as const) {
      const p = await open(smallConfig({ flushPolicy }));
      const res = p.appendAsLeader(batch(3), 'all');
      await res.written;
      expect(p.highWatermark).toBe(3);
      await res.committed;
      expect(log!.durableEndOffset).toBe(0);
      partition!.detach();
      await log!.close();
      dir = `${dir}/${flushPolicy}`;
    }
  });

  it('answers acks=leader on the write and creates no commit wait for it', async () => {
    const gate = syncGate();
    const p = await open(smallConfig({ flushPolicy: 'always' }), { faults: gate.hook });
    gate.hold = true;
    const res = p.appendAsLeader(batch(1), 'leader');
    expect(res.committed).toBeNull();
    await res.written;
    expect(p.highWatermark).toBe(0);
    expect(() => p.appendAsLeader(batch(1), 'most' as never)).toThrow(InvalidRequestError);
    gate.open();
  });

  it('fails acks=all appends whose fdatasync fails, and the high watermark stays', async () => {
    const gate = syncGate();
    const p = await open(smallConfig({ flushPolicy: 'always' }), { faults: gate.hook });
    await p.appendAsLeader(batch(2), 'all').committed;
    gate.fail = true;
    const res = p.appendAsLeader(batch(2), 'all');
    await expect(res.committed).rejects.toBeInstanceOf(StorageError);
    expect(p.highWatermark).toBe(2);
    expect(p.healthy).toBe(false);
  });

  it('answers an idempotent retry with the original offsets once the original is committed', async () => {
    const gate = syncGate();
    const p = await open(smallConfig({ flushPolicy: 'always' }), { faults: gate.hook });
    const idem = (): Buffer => encodeRecordBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }], {
      producerId: 7, producerEpoch: 0, baseSequence: 0,
    });
    p.appendAsLeader(batch(1), 'all');
    gate.hold = true;
    const first = p.appendAsLeader(idem(), 'all');
    await first.written;
    const retry = p.appendAsLeader(idem(), 'all');
    expect(retry).toMatchObject({ duplicate: true, baseOffset: 1, lastOffset: 2 });
    expect(await settled(retry.committed!)).toBe(false);
    gate.open();
    await retry.committed;
    expect(p.highWatermark).toBe(3);
    expect(p.logEndOffset).toBe(3);
  });

  it('bounds timestamp lookups by the high watermark', async () => {
    const gate = syncGate();
    const p = await open(smallConfig({ flushPolicy: 'always' }), { faults: gate.hook });
    await p.appendAsLeader(batch(1, { timestamp: 1_000 }), 'all').committed;
    gate.hold = true;
    const second = p.appendAsLeader(batch(1, { timestamp: 5_000 }), 'all');
    await second.written;
    expect(await p.offsetForTimestamp(2_000)).toBeNull();
    gate.open();
    // Waiting for the commit, not a fixed sleep: on a loaded box the fdatasync can take longer.
    await second.committed;
    expect(await p.offsetForTimestamp(2_000)).toEqual({ offset: 1, timestamp: 5_000 });
  });

  it('keeps retention from deleting segments past the high watermark', async () => {
    const gate = syncGate();
    const p = await open(smallConfig({ flushPolicy: 'always', segmentBytes: 1024, retentionBytes: 0 }), { faults: gate.hook });
    for (let i = 0; i < 10; i++) await p.appendAsLeader(batch(3, { valueBytes: 40 }), 'all').committed;
    const hw = p.highWatermark;
    gate.hold = true;
    // Rolls past the high watermark: the new sealed segments are written, not yet durable.
    const pending = [];
    for (let i = 0; i < 10; i++) pending.push(p.appendAsLeader(batch(3, { valueBytes: 40 }), 'all'));
    await Promise.all(pending.map((r) => r.written));
    expect(p.highWatermark).toBe(hw);
    // The pass selects at once; deleting a segment the blocked fdatasync holds waits for it.
    const deleting = log!.deleteRetainedSegments();
    await new Promise((r) => setTimeout(r, 20));
    expect(p.logStartOffset).toBeLessThanOrEqual(hw);
    expect(log!.segmentBaseOffsets().some((base) => base > hw)).toBe(true);
    gate.open();
    await deleting;
    await Promise.all(pending.map((r) => r.committed));
    await log!.deleteRetainedSegments();
    expect(log!.segmentCount).toBe(1);
  });
});
