/**
 * Data-directory files that describe the last shutdown:
 *
 * `recovery-point-offset-checkpoint`: per partition, the offset below which its data was known
 * to be fsynced. Text, one partition per line (Kafka's layout):
 *
 *   0                      format version
 *   2                      number of entries
 *   orders 0 1200          topic, partition, recovery point
 *   orders 1 980
 *
 * Written atomically: temp file, fsync, rename over the old one, fsync of the directory. A
 * missing or garbled file reads as "no recovery points" and every log recovers from scratch.
 *
 * `.strata-clean-shutdown`: an empty marker written (and fsynced) as the very last step of a
 * clean shutdown and removed (durably) at start-up, so its presence means the previous run
 * closed every log cleanly.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from './file-io.js';
import { CLEAN_SHUTDOWN_FILE, CLEANER_CHECKPOINT_FILE, RECOVERY_CHECKPOINT_FILE, partitionDirName } from './log-files.js';

export const CHECKPOINT_FORMAT_VERSION = 0;

export interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

/** Keyed by partition directory name (`topic-partition`). */
export type RecoveryPoints = Map<string, CheckpointEntry>;

const ENTRY_PATTERN = /^([a-zA-Z0-9._-]+) (\d+) (\d+)$/;

/** Parses a checkpoint file's text; undefined if it is not exactly well-formed. */
export function parseCheckpoint(text: string): RecoveryPoints | undefined {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2 || lines[0] !== String(CHECKPOINT_FORMAT_VERSION)) return undefined;
  if (!/^\d+$/.test(lines[1]!)) return undefined;
  const count = Number(lines[1]);
  if (lines.length !== count + 2) return undefined;
  const out: RecoveryPoints = new Map();
  for (const line of lines.slice(2)) {
    const m = ENTRY_PATTERN.exec(line);
    if (!m) return undefined;
    const partition = Number(m[2]);
    const offset = Number(m[3]);
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return undefined;
    out.set(partitionDirName(m[1]!, partition), { topic: m[1]!, partition, offset });
  }
  return out;
}

export function formatCheckpoint(points: RecoveryPoints): string {
  const lines = [String(CHECKPOINT_FORMAT_VERSION), String(points.size)];
  for (const e of points.values()) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
  return lines.join('\n') + '\n';
}

/** Reads the checkpoint: `missing`, `garbled`, or the recovery points. */
export function readRecoveryCheckpoint(dataDir: string): Promise<RecoveryPoints | 'missing' | 'garbled'> {
  return readCheckpointFile(path.join(dataDir, RECOVERY_CHECKPOINT_FILE));
}

/** Atomically replaces the checkpoint file. */
export async function writeRecoveryCheckpoint(dataDir: string, points: RecoveryPoints): Promise<void> {
  await writeFileAtomic(path.join(dataDir, RECOVERY_CHECKPOINT_FILE), formatCheckpoint(points));
}

/**
 * `cleaner-offset-checkpoint` (Kafka's name and layout, as above): per compacted partition, the
 * first offset the log cleaner has not cleaned yet. A lost file only costs a cleaning pass over
 * data already clean.
 */
export function readCleanerCheckpoint(dataDir: string): Promise<RecoveryPoints | 'missing' | 'garbled'> {
  return readCheckpointFile(path.join(dataDir, CLEANER_CHECKPOINT_FILE));
}

export async function writeCleanerCheckpoint(dataDir: string, points: RecoveryPoints): Promise<void> {
  await writeFileAtomic(path.join(dataDir, CLEANER_CHECKPOINT_FILE), formatCheckpoint(points));
}

async function readCheckpointFile(file: string): Promise<RecoveryPoints | 'missing' | 'garbled'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  return parseCheckpoint(text) ?? 'garbled';
}

/** temp + fsync + rename + fsync dir: after a crash the file is either the old or the new one. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = file + '.tmp';
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/** Whether the marker exists; it is removed durably so a crash from now on reads as unclean. */
export async function consumeCleanShutdownMarker(dataDir: string): Promise<boolean> {
  try {
    await unlink(path.join(dataDir, CLEAN_SHUTDOWN_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await fsyncDir(dataDir);
  return true;
}

export async function writeCleanShutdownMarker(dataDir: string): Promise<void> {
  await writeFileAtomic(path.join(dataDir, CLEAN_SHUTDOWN_FILE), '');
}
