/**
 * Shared fixtures for storage tests: temp directories, batch builders and a small config.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { afterEach, beforeEach } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { decodeRecordBatch, encodeRecordBatch, type RecordInput } from '../../../proto/record-batch.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../broker/storage/log-config.js';
import { LocalLog, type LocalLogOptions } from '../../../broker/storage/local-log.js';

export const logger = silentLogger();

export async function tempDir(prefix = 'strata-storage-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface TempLog {
  /** A fresh temp directory per test. */
  readonly dir: string;
  /** Closed (if open) after each test. */
  log: LocalLog | undefined;
}

/** Registers the usual beforeEach/afterEach of a storage test: a temp dir, and a log closed after it. */
export function useTempLog(): TempLog {
  let cleanup: () => Promise<void> = async () => undefined;
  const t = { dir: '', log: undefined as LocalLog | undefined };
  beforeEach(async () => {
    ({ dir: t.dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    if (t.log && !t.log.isClosed) await t.log.close();
    t.log = undefined;
    await cleanup();
  });
  return t;
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

export async function openLog(dir: string, config: LogConfig, extra: Partial<LocalLogOptions> = {}): Promise<LocalLog> {
  return LocalLog.open({ dir, topic: 't', partition: 0, config, logger, recover: false, ...extra });
}

/** Offsets and values of every record in a buffer of back-to-back batches. */
export function decodeAll(records: Buffer): { offset: number; value: string; timestamp: number }[] {
  const out: { offset: number; value: string; timestamp: number }[] = [];
  let pos = 0;
  while (pos < records.length) {
    const { header, records: recs } = decodeRecordBatch(records, pos);
    for (const r of recs) out.push({ offset: r.offset, value: r.value?.toString().trimEnd() ?? '', timestamp: r.timestamp });
    pos += 12 + header.batchLength;
  }
  return out;
}

export function offsetsIn(records: Buffer): number[] {
  return decodeAll(records).map((r) => r.offset);
}

/** Every record from `from` up to `end` (the written end by default), read in fetches of `maxBytes`. */
export async function readAll(
  log: LocalLog, from = log.logStartOffset, maxBytes = 1 << 20, end = log.writtenEndOffset,
): Promise<{ offset: number; value: string; timestamp: number }[]> {
  const out: { offset: number; value: string; timestamp: number }[] = [];
  let next = from;
  while (next < end) {
    const r = await log.read(next, maxBytes, end);
    const recs = decodeAll(r.records).filter((x) => x.offset >= next);
    if (recs.length === 0) throw new Error(`no progress at ${next}`);
    out.push(...recs);
    next = recs.at(-1)!.offset + 1;
  }
  return out;
}
