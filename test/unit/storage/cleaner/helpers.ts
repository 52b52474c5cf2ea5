/**
 * Fixtures for cleaner tests: a LogManager (the cleaner's source) over a temp directory, keyed
 * batches, and a replay that folds a log into key → latest value the way a consumer rebuilding
 * a table does.
 */
import { readdir } from 'node:fs/promises';
import { expect } from 'vitest';
import { silentLogger } from '../../../../broker/logger.js';
import { LogCleaner, type LogCleanerOptions } from '../../../../broker/storage/cleaner/log-cleaner.js';
import type { LocalLog } from '../../../../broker/storage/local-log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../broker/storage/log-config.js';
import { LogManager } from '../../../../broker/storage/log-manager.js';
import { batchTotalBytes, decodeRecordBatch, encodeRecordBatch, type EncodeBatchOptions } from '../../../../proto/record-batch.js';

export const logger = silentLogger();

/** A compacted log config small enough that a few records roll segments. */
export function compactConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return {
    ...DEFAULT_LOG_CONFIG, segmentBytes: 2048, indexIntervalBytes: 128, flushPolicy: 'never', cleanupPolicy: 'compact',
    minCleanableDirtyRatio: 0, deleteRetentionMs: 60_000, ...overrides,
  };
}

export async function openManager(dir: string, config: LogConfig): Promise<LogManager> {
  return LogManager.open({ dataDir: dir, logger, defaultConfig: config, intervals: { tickMs: 1_000_000, rollCheckMs: 1_000_000, retentionCheckMs: 1_000_000, checkpointMs: 1_000_000 } });
}

export function newCleaner(opts: Partial<LogCleanerOptions> = {}): LogCleaner {
  return new LogCleaner({ logger, bufferBytes: 1 << 20, ioBytesPerSecond: 0, backoffMs: 1_000_000, ...opts });
}

export interface Put {
  key: string | null;
  /** null: a tombstone. */
  value: string | null;
  timestamp?: number;
}

/** One batch of the given records (keys and values as UTF-8). */
export function keyed(records: readonly Put[], opts: EncodeBatchOptions = {}): Buffer {
  return encodeRecordBatch(records.map((r) => ({
    key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: r.timestamp ?? Date.now(),
  })), opts);
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

/** Every record of the log in offset order, advancing by batch ends as consumers do. */
export async function readLog(log: LocalLog): Promise<{ records: ReadRecord[]; batches: number }> {
  const records: ReadRecord[] = [];
  let batches = 0;
  let next = log.logStartOffset;
  const end = log.writtenEndOffset;
  while (next < end) {
    const { records: buf } = await log.read(next, 1 << 16, end);
    if (buf.length === 0) throw new Error(`no batch at ${next} below ${end}`);
    for (let pos = 0; pos < buf.length; pos += batchTotalBytes(buf, pos)) {
      const { header, records: recs } = decodeRecordBatch(buf, pos);
      batches++;
      for (const r of recs) {
        if (r.offset < next) continue;
        records.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp });
      }
      next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
    }
  }
  return { records, batches };
}

/** key → latest value after replaying `records` (a tombstone removes the key). */
export function fold(records: readonly ReadRecord[]): Map<string, string> {
  const table = new Map<string, string>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value === null) table.delete(r.key);
    else table.set(r.key, r.value);
  }
  return table;
}

/**
 * For crash tests of the swap: 1.2 MiB segments of 40-record batches over 500 keys, 4 rounds of
 * updates (groups of one segment each, several 1 MiB write chunks), one record in the active
 * segment. Returns what was appended.
 */
export const SWAP_TEST_CONFIG = compactConfig({ segmentBytes: 1536 * 1024, indexIntervalBytes: 4096 });

export async function fillSwapTestLog(dir: string): Promise<ReadRecord[]> {
  const manager = await openManager(dir, SWAP_TEST_CONFIG);
  const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
  const value = 'v'.repeat(1000);
  for (let round = 0; round < 4; round++) {
    for (let b = 0; b < 30; b++) {
      await log.appendAsLeader(keyed(Array.from({ length: 40 }, (_, i) => ({ key: `k${(b * 40 + i) % 500}`, value: `${round}-${value}` }))), 0).written;
    }
    await log.maybeRoll(Number.MAX_SAFE_INTEGER);
  }
  await log.appendAsLeader(keyed([{ key: 'k0', value: 'last' }]), 0).written;
  const { records } = await readLog(log);
  await manager.close();
  return records;
}

/**
 * Reopens the swap test log as after a crash and checks it is whole: records exactly as
 * appended, in offset order, every key's latest value, no leftover files; then that a pass from
 * scratch finishes the compaction (one record per key plus the active one).
 */
export async function expectWholeAfterCrash(dir: string, original: readonly ReadRecord[]): Promise<void> {
  const manager = await openManager(dir, SWAP_TEST_CONFIG);
  try {
    expect(manager.cleanShutdown).toBe(false);
    const log = await manager.openLog('t', 0, SWAP_TEST_CONFIG);
    const byOffset = new Map(original.map((r) => [r.offset, r]));
    const { records } = await readLog(log);
    for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
    for (const r of records) expect(r).toEqual(byOffset.get(r.offset));
    expect(fold(records)).toEqual(fold(original));
    expect((await readdir(`${dir}/t-0`)).filter((n) => !/^\d{20}\.(log|index|timeindex)$/.test(n))).toEqual([]);
    manager.setFirstDirtyOffset(log, 0);
    const cleaner = newCleaner();
    await cleaner.cleanLog(log, manager);
    await cleaner.stop();
    const cleaned = (await readLog(log)).records;
    expect(fold(cleaned)).toEqual(fold(original));
    expect(cleaned).toHaveLength(501);
  } finally {
    await manager.close();
  }
}
