/**
 * Shared fixtures for storage tests: temp directories, batch builders and a small config.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeRecordBatch, type RecordInput } from '../../../proto/record-batch.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../broker/storage/log-config.js';
import { PartitionLog, type PartitionLogOptions } from '../../../broker/storage/partition-log.js';

export const logger = silentLogger();

export async function tempDir(prefix = 'strata-storage-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A config small enough that tests roll segments and add index entries quickly. */
export function smallConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * 1024, indexIntervalBytes: 256, flushPolicy: 'never', ...overrides };
}

/** One batch of `count` records with values `${tag}-${i}` padded to `valueBytes`. */
export function batch(count: number, opts: { tag?: string; valueBytes?: number; timestamp?: number; timestamps?: number[] } = {}): Buffer {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const text = `${opts.tag ?? 'v'}-${i}`;
    const value = Buffer.alloc(Math.max(opts.valueBytes ?? 0, text.length), 0x20);
    value.write(text);
    records.push({ value, timestamp: opts.timestamps?.[i] ?? opts.timestamp ?? 1_700_000_000_000 + i });
  }
  return encodeRecordBatch(records, { now: opts.timestamp ?? 1_700_000_000_000 });
}

export async function openLog(dir: string, config: LogConfig, extra: Partial<PartitionLogOptions> = {}): Promise<PartitionLog> {
  return PartitionLog.open({ dir, topic: 't', partition: 0, config, logger, recover: false, ...extra });
}
