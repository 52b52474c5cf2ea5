/**
 * The partition keeps its leader-epoch checkpoint in line with its log: written before the
 * first append of an epoch is acknowledged, truncated with the log, rebuilt from batch headers
 * when missing, garbled or behind.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecordBatch, readBatchHeader } from '../../../proto/record-batch.js';
import { silentLogger } from '../../../broker/logger.js';
import { LEADER_EPOCH_CHECKPOINT_FILE } from '../../../broker/partition/leader-epoch-cache.js';
import { Partition } from '../../../broker/partition/partition.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, openLog, smallConfig, tempDir } from '../storage/helpers.js';

/** A leader's batch: `count` records at `baseOffset`, written in `epoch`. */
function leaderBatch(baseOffset: number, count: number, epoch: number): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`e${epoch}-${baseOffset + i}`) }));
  return encodeRecordBatch(records, { baseOffset, partitionLeaderEpoch: epoch });
}

describe('Partition leader epochs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let log: LocalLog | undefined;
  let partition: Partition | undefined;
  const file = (): string => path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
  const fileText = (): Promise<string> => readFile(file(), 'utf8').catch(() => 'missing');

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    await close();
    await cleanup();
  });

  async function open(): Promise<Partition> {
    log = await openLog(dir, smallConfig({ flushPolicy: 'always', segmentBytes: 2048 }));
    partition = await Partition.open({ topic: 't', index: 0, log, logger: silentLogger() });
    return partition;
  }
  async function close(): Promise<void> {
    partition?.detach();
    if (log && !log.isClosed) await log.close();
    partition = undefined;
    log = undefined;
  }
  /** A follower partition fed epochs 0, 0, 3, 3, 5 (two records per batch): offsets 0..9. */
  async function followerWithEpochs(): Promise<Partition> {
    const p = await open();
    let offset = 0;
    for (const epoch of [0, 0, 3, 3, 5]) {
      await p.appendAsFollower(leaderBatch(offset, 2, epoch)).written;
      offset += 2;
    }
    return p;
  }

  it('writes no checkpoint for an empty partition, and the first append waits for it', async () => {
    const p = await open();
    expect(await fileText()).toBe('missing');
    const res = p.appendAsLeader(batch(3), 'all');
    await res.written;
    expect(await fileText()).toBe('0\n1\n0 0\n');
    await res.committed;
    await close();
    await open();
    expect(partition!.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('records the epochs a follower appends and answers OffsetsForLeaderEpoch from them', async () => {
    const p = await followerWithEpochs();
    expect(p.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }, { epoch: 5, startOffset: 8 }]);
    expect(await fileText()).toBe('0\n3\n0 0\n3 4\n5 8\n');
    expect(p.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 4 });
    expect(p.endOffsetForEpoch(4)).toEqual({ epoch: 3, endOffset: 8 });
    expect(p.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 10 });
    expect(p.endOffsetForEpoch(9)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('truncates the checkpoint with the log', async () => {
    const p = await followerWithEpochs();
    expect(await p.truncateTo(9)).toBe(8); // the batch [8, 9] goes whole: epoch 5 is gone
    expect(p.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }]);
    expect(await fileText()).toBe('0\n2\n0 0\n3 4\n');
    expect(p.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 8 });
    expect(p.highWatermark).toBeLessThanOrEqual(8);
    await p.truncateFullyAndStartAt(100);
    expect(p.epochEntries()).toEqual([]);
    expect(await fileText()).toBe('0\n0\n');
    expect([p.logStartOffset, p.logEndOffset, p.highWatermark]).toEqual([100, 100, 100]);
  });

  it('leads in a new epoch: the entry is on disk first, and batches carry the epoch', async () => {
    const p = await followerWithEpochs();
    await p.makeLeader(7);
    expect(await fileText()).toBe('0\n4\n0 0\n3 4\n5 8\n7 10\n');
    const res = p.appendAsLeader(batch(1), 'all');
    await res.committed;
    const { records } = await p.read(10, 1 << 20, 'high-watermark');
    expect(readBatchHeader(records).partitionLeaderEpoch).toBe(7);
    await expect(p.makeLeader(6)).rejects.toThrow(RangeError);
    // After a full truncation the epoch is recorded again with the first append.
    await p.truncateFullyAndStartAt(50);
    await p.appendAsLeader(batch(1), 'all').committed;
    expect(p.epochEntries()).toEqual([{ epoch: 7, startOffset: 50 }]);
  });

  for (const damage of ['missing', 'garbled', 'behind', 'past the log end'] as const) {
    it(`rebuilds a ${damage} checkpoint from batch headers on open`, async () => {
      await followerWithEpochs();
      await close();
      if (damage === 'missing') await rm(file());
      if (damage === 'garbled') await writeFile(file(), '0\n3\nnonsense');
      if (damage === 'behind') await writeFile(file(), '0\n1\n0 0\n');
      if (damage === 'past the log end') await writeFile(file(), '0\n4\n0 0\n3 4\n5 8\n9 10\n');
      const p = await open();
      expect(p.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }, { epoch: 5, startOffset: 8 }]);
      expect(await fileText()).toBe('0\n3\n0 0\n3 4\n5 8\n');
    });
  }
});
