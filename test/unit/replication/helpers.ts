/**
 * Real partitions (LocalLog + Partition in temp dirs) wired leader → follower by a direct call
 * instead of the broker-to-broker protocol: the replication algorithms tested on the storage
 * they run on.
 */
import { afterEach } from 'vitest';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { silentLogger } from '../../../broker/logger.js';
import { Partition } from '../../../broker/partition/partition.js';
import type { LeaderEpochSource } from '../../../broker/replication/follower-truncation.js';
import type { LocalLog } from '../../../broker/storage/local-log.js';
import type { LogConfig } from '../../../broker/storage/log-config.js';
import { openLog, smallConfig, tempDir } from '../storage/helpers.js';

export interface Replica {
  readonly partition: Partition;
  readonly log: LocalLog;
  close(): Promise<void>;
}

export async function openReplica(config: Partial<LogConfig> = {}, topic = 't', index = 0): Promise<Replica> {
  const { dir, cleanup } = await tempDir('strata-replica-');
  const log = await openLog(dir, smallConfig({ flushPolicy: 'always', segmentBytes: 4096, ...config }));
  const partition = await Partition.open({ topic, index, log, logger: silentLogger() });
  return {
    partition,
    log,
    async close() {
      partition.detach();
      if (!log.isClosed) await log.close();
      await cleanup();
    },
  };
}

/** A replica factory for one test file; every replica it opened is closed after each test. */
export function useReplicas(): () => Promise<Replica> {
  const open: Replica[] = [];
  afterEach(async () => { await Promise.all(open.splice(0).map((r) => r.close())); });
  return async () => {
    const r = await openReplica();
    open.push(r);
    return r;
  };
}

/** A producer-less batch of `count` records tagged `tag`. */
export function records(tag: string, count: number): Buffer {
  return encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`) })), {});
}

/** Appends as leader at the partition's epoch and waits until it is written. */
export async function lead(p: Partition, tag: string, count: number): Promise<void> {
  await p.appendAsLeader(records(tag, count), 'leader').written;
}

/** One follower fetch: every batch from the follower's end to the leader's written end, as bytes. */
export async function replicate(leader: Partition, follower: Partition): Promise<number> {
  let moved = 0;
  while (follower.logEndOffset < leader.log.writtenEndOffset) {
    const res = await leader.read(follower.logEndOffset, 1 << 20, 'log-end');
    try {
      if (res.records.length === 0) break;
      const out = follower.appendAsFollower(Buffer.from(res.records));
      await out.written;
      moved += out.lastOffset - out.baseOffset + 1;
    } finally {
      res.release();
    }
  }
  return moved;
}

export function epochSource(leader: Partition): LeaderEpochSource {
  return {
    endOffsetForEpoch: async (epoch) => leader.endOffsetForEpoch(epoch),
    logRange: async () => ({ start: leader.logStartOffset, end: leader.logEndOffset }),
  };
}

/** Every batch's bytes from `from` to the log end. */
export async function logBytes(p: Partition): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let offset = p.logStartOffset;
  while (offset < p.log.writtenEndOffset) {
    const res = await p.read(offset, 1 << 20, 'log-end');
    chunks.push(Buffer.from(res.records));
    res.release();
    const { readBatchHeader } = await import('../../../proto/record-batch.js');
    let pos = 0;
    const buf = chunks.at(-1)!;
    while (pos < buf.length) {
      const h = readBatchHeader(buf, pos);
      offset = h.baseOffset + h.lastOffsetDelta + 1;
      pos += 12 + h.batchLength;
    }
  }
  return Buffer.concat(chunks);
}
