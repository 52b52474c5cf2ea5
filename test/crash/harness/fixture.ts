/**
 * Data directories to damage: a "golden" directory written once by a real broker process through
 * the SDK (known records, several segments), copied afresh for every scenario, plus helpers to
 * find segment files and batch positions on disk and to read a partition back through the SDK.
 */
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Strata, type ConsumerRecord, type StrataError } from '../../../client/index.js';
import { BATCH_LENGTH_PREFIX_BYTES } from '../../../proto/constants.js';
import { startBroker } from './broker-process.js';

export const TOPIC = 'golden';

export interface Golden {
  dir: string;
  /** Record values by offset. */
  values: string[];
  segmentBytes: number;
  remove(): Promise<void>;
}

/**
 * Starts a broker with small segments, produces `batches` batches of `recordsPerBatch` records
 * (acks=all, one batch per send), checks every acknowledgement, and ends the process with
 * SIGKILL (`unclean`) or SIGTERM (`clean`).
 */
export async function buildGolden(opts: { batches: number; recordsPerBatch: number; segmentBytes: number; shutdown: 'clean' | 'unclean' }): Promise<Golden> {
  const dir = await mkdtemp(join(tmpdir(), `strata-golden-${opts.shutdown}-`));
  const broker = await startBroker(dir, { args: ['--segment-bytes', String(opts.segmentBytes)] });
  const client = new Strata({ brokers: broker.url });
  const values: string[] = [];
  try {
    await client.admin().createTopic({ name: TOPIC, partitions: 1 });
    const producer = client.producer({ acks: 'all', lingerMs: 0 });
    for (let b = 0; b < opts.batches; b++) {
      const messages = Array.from({ length: opts.recordsPerBatch }, (_, i) => {
        const value = `rec-${b}-${i}-${'x'.repeat((b * 7 + i) % 23)}`;
        return { value, timestamp: 1_700_000_000_000 + b * 1000 + i };
      });
      const metas = await producer.send({ topic: TOPIC, messages });
      metas.forEach((m, i) => {
        if (m.offset !== values.length) throw new Error(`record acknowledged at ${m.offset}, expected ${values.length}`);
        values.push(messages[i]!.value);
      });
    }
  } finally {
    await client.close();
    if (opts.shutdown === 'clean') await broker.stop();
    else await broker.kill();
  }
  return { dir, values, segmentBytes: opts.segmentBytes, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh copy of a golden directory (the caller removes it). */
export async function copyOf(golden: Golden): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-damaged-'));
  await cp(golden.dir, dir, { recursive: true });
  return dir;
}

export interface SegmentFiles {
  base: number;
  log: string;
  index: string;
  timeindex: string;
  size: number;
}

/** The segments of a partition directory, oldest first. */
export async function segments(dataDir: string, topic = TOPIC, partition = 0): Promise<SegmentFiles[]> {
  const pdir = join(dataDir, `${topic}-${partition}`);
  const out: SegmentFiles[] = [];
  for (const name of (await readdir(pdir)).sort()) {
    const m = /^(\d{20})\.log$/.exec(name);
    if (!m) continue;
    const log = join(pdir, name);
    out.push({
      base: Number(m[1]), log, index: log.replace(/\.log$/, '.index'), timeindex: log.replace(/\.log$/, '.timeindex'),
      size: (await stat(log)).size,
    });
  }
  return out;
}

export interface BatchOnDisk {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
}

/** Walks a `.log` file's batches by their length fields (the file must be intact). */
export async function batchesIn(logPath: string): Promise<BatchOnDisk[]> {
  const buf = await readFile(logPath);
  const out: BatchOnDisk[] = [];
  for (let pos = 0; pos + BATCH_LENGTH_PREFIX_BYTES <= buf.length;) {
    const size = BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(pos + 8);
    const baseOffset = Number(buf.readBigInt64BE(pos));
    out.push({ position: pos, size, baseOffset, lastOffset: baseOffset + buf.readInt32BE(pos + 23) });
    pos += size;
  }
  return out;
}

export interface SdkRead {
  values: string[];
  /** Offset of the first record read. */
  firstOffset: number;
  /** The error the consumer's iterator threw, if any. */
  error: StrataError | null;
}

/**
 * Reads one partition through the SDK consumer from `from` until the log end (ListOffsets
 * latest) or until the iterator throws. Checks that offsets are dense while reading.
 */
export async function sdkRead(url: string, from: number | 'earliest' = 'earliest', timeoutMs = 10_000, partition = 0): Promise<SdkRead> {
  const client = new Strata({ brokers: url, retry: { retries: 2, initialRetryTimeMs: 10, maxRetryTimeMs: 50 } });
  const admin = client.admin();
  const end = (await admin.listOffsets(TOPIC, partition, 'latest')).offset;
  const consumer = client.consumer({ decode: 'utf8', maxWaitMs: 20 });
  const values: string[] = [];
  let firstOffset = -1;
  let next = -1;
  let error: StrataError | null = null;
  const timer = setTimeout(() => void consumer.close(), timeoutMs);
  try {
    await consumer.assign({ topic: TOPIC, partition, offset: from });
    if (consumer.position({ topic: TOPIC, partition }) < end) {
      for await (const r of consumer as AsyncIterable<ConsumerRecord<string>>) {
        if (firstOffset < 0) firstOffset = next = r.offset;
        if (r.offset !== next) throw new Error(`consumer skipped from ${next} to ${r.offset}`);
        next++;
        values.push(r.value ?? '');
        if (next >= end) break;
      }
    }
  } catch (err) {
    error = err as StrataError;
  } finally {
    clearTimeout(timer);
    await client.close();
  }
  return { values, firstOffset, error };
}
