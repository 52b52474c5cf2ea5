/**
 * The leader epochs of one partition's log and where each began (Kafka's LeaderEpochFileCache):
 * what a replica asks its leader about to find where their logs diverge (OffsetsForLeaderEpoch,
 * KIP-101/KIP-279), so a divergent tail is truncated by epoch, never by high watermark alone.
 *
 * File `leader-epoch-checkpoint` in the partition directory, Kafka's text layout:
 *
 *   0            format version
 *   2            number of entries
 *   0 0          epoch, start offset (first offset written in that epoch)
 *   3 1200
 *
 * Entries are strictly increasing in both epoch and start offset. The file is replaced
 * atomically (temp file, fsync, rename, fsync of the directory) whenever the entries change;
 * the owning Partition makes the first append of a new epoch wait for that write before it is
 * acknowledged. The file is derivable: every batch carries its partitionLeaderEpoch, so a
 * missing or garbled file is rebuilt from batch headers (rebuildEpochs), and a file behind the
 * log (a crash between an append and the write) is completed the same way.
 *
 * Concurrency: event-loop only. Changes are synchronous and in memory; persist() writes the
 * state as it is when the write starts, one write at a time, skipping writes that would not
 * change the file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/checkpoint.js';

export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
const FORMAT_VERSION = 0;

/** Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET: no such epoch, no such offset. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  readonly epoch: number;
  /** First offset written in this epoch. */
  readonly startOffset: number;
}

/** What OffsetsForLeaderEpoch answers: the epoch found and where it ended. */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

/** One batch as an epoch rebuild sees it. */
export interface EpochProbe {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
}

/** The batch holding `offset` (a batch whose offsets include it), or undefined past the log. */
export type ProbeBatch = (offset: number) => Promise<EpochProbe | undefined>;

export type EpochFileState = 'ok' | 'missing' | 'garbled';

/** Parses the file's text; undefined unless it is exactly well-formed and strictly increasing. */
export function parseEpochCheckpoint(text: string): EpochEntry[] | undefined {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2 || lines[0] !== String(FORMAT_VERSION) || !/^\d+$/.test(lines[1]!)) return undefined;
  if (lines.length !== Number(lines[1]) + 2) return undefined;
  const out: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const m = /^(\d+) (\d+)$/.exec(line);
    if (!m) return undefined;
    const entry = { epoch: Number(m[1]), startOffset: Number(m[2]) };
    if (!Number.isSafeInteger(entry.epoch) || !Number.isSafeInteger(entry.startOffset)) return undefined;
    const prev = out[out.length - 1];
    if (prev && (entry.epoch <= prev.epoch || entry.startOffset <= prev.startOffset)) return undefined;
    out.push(entry);
  }
  return out;
}

export function formatEpochCheckpoint(entries: readonly EpochEntry[]): string {
  return [String(FORMAT_VERSION), String(entries.length), ...entries.map((e) => `${e.epoch} ${e.startOffset}`)].join('\n') + '\n';
}

export class LeaderEpochCache {
  readonly path: string;
  private list: EpochEntry[];
  /** What the file holds (its text), to skip writes that change nothing. */
  private persisted: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, entries: EpochEntry[], persisted: string | undefined) {
    this.path = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    this.list = entries;
    this.persisted = persisted;
  }

  /** An empty cache for `dir` whose file is not read (tests, and a directory known to have none). */
  static empty(dir: string): LeaderEpochCache {
    return new LeaderEpochCache(dir, [], undefined);
  }

  /** Reads the checkpoint of partition directory `dir`; a missing or garbled file gives an empty cache. */
  static async load(dir: string): Promise<{ cache: LeaderEpochCache; state: EpochFileState }> {
    let text: string;
    try {
      text = await readFile(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return { cache: new LeaderEpochCache(dir, [], undefined), state: 'missing' };
    }
    const entries = parseEpochCheckpoint(text);
    if (entries === undefined) return { cache: new LeaderEpochCache(dir, [], undefined), state: 'garbled' };
    return { cache: new LeaderEpochCache(dir, entries, text), state: 'ok' };
  }

  /** Oldest first (a copy). */
  entries(): EpochEntry[] {
    return [...this.list];
  }

  /** The latest epoch, UNDEFINED_EPOCH when empty. */
  get latestEpoch(): number {
    return this.list[this.list.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  /** Where the latest epoch started, UNDEFINED_EPOCH_OFFSET when empty. */
  get latestStartOffset(): number {
    return this.list[this.list.length - 1]?.startOffset ?? UNDEFINED_EPOCH_OFFSET;
  }

  /**
   * Records that `epoch` starts at `startOffset` (Kafka's assign): nothing changes for an epoch
   * already latest with an earlier or equal start; entries at or after the new one (in epoch
   * or in offset) are dropped first, keeping both columns strictly increasing. Returns whether
   * anything changed (then persist()).
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(`invalid epoch entry ${epoch} at ${startOffset}`);
    }
    const latest = this.list[this.list.length - 1];
    if (latest && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    while (this.list.length > 0) {
      const last = this.list[this.list.length - 1]!;
      if (last.epoch < epoch && last.startOffset < startOffset) break;
      this.list.pop();
    }
    this.list.push({ epoch, startOffset });
    return true;
  }

  /** The log was truncated to end at `endOffset`: epochs that started at or after it go. */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.list.length;
    while (this.list.length > 0 && this.list[this.list.length - 1]!.startOffset >= endOffset) this.list.pop();
    return this.list.length !== before;
  }

  /** The log was emptied (truncateFullyAndStartAt): no epoch is known any more. */
  clear(): boolean {
    const changed = this.list.length > 0;
    this.list = [];
    return changed;
  }

  /**
   * Kafka's OffsetsForLeaderEpoch answer for `epoch` given the log end: for the latest epoch the
   * log end; for an older one the start of the next higher epoch, paired with the largest
   * known epoch at or below the one asked for (the asked epoch itself when it is below every
   * known one: its data is gone, replicate from the first known epoch's start); for an unknown
   * higher epoch, or UNDEFINED_EPOCH, undefined epoch and offset.
   */
  endOffsetFor(epoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (epoch === UNDEFINED_EPOCH) return undefinedAnswer;
    if (this.list.length > 0 && this.latestEpoch === epoch) return { epoch, endOffset: logEndOffset };
    const higher = this.list.findIndex((e) => e.epoch > epoch);
    if (higher < 0) return undefinedAnswer;
    const floor = higher - 1;
    if (floor < 0) return { epoch, endOffset: this.list[higher]!.startOffset };
    return { epoch: this.list[floor]!.epoch, endOffset: this.list[higher]!.startOffset };
  }

  /**
   * Writes the entries as they are when the write starts (one write at a time; none when the
   * file already says the same). Rejects with the file system's error; a later persist() tries
   * again with the then current state.
   */
  persist(): Promise<void> {
    const run = this.chain.then(async () => {
      const text = formatEpochCheckpoint(this.list);
      if (text === this.persisted) return;
      await writeFileAtomic(this.path, text);
      this.persisted = text;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Whether the file holds what memory holds (no write pending or failed). */
  get isPersisted(): boolean {
    return this.persisted === formatEpochCheckpoint(this.list);
  }
}

/**
 * Completes `cache` from the log's batch headers for offsets [from, logEndOffset): adds an entry
 * wherever the epoch changes. Epochs never decrease along a log, so two batches with the same
 * epoch enclose only that epoch, and bisecting between batches of different epochs finds each
 * change with O(log n) probes: a log of one epoch costs two header reads, however long it is.
 * Batches without an epoch (negative, as unstamped batches have) are skipped over.
 * Returns the number of probes made.
 */
export async function rebuildEpochs(cache: LeaderEpochCache, probe: ProbeBatch, from: number, logEndOffset: number): Promise<number> {
  if (from >= logEndOffset) return 0;
  let probes = 0;
  const at = async (offset: number): Promise<EpochProbe | undefined> => {
    probes++;
    return probe(offset);
  };
  const first = await at(from);
  const last = await at(logEndOffset - 1);
  if (first === undefined || last === undefined) return probes;
  if (first.epoch >= 0) cache.assign(first.epoch, Math.max(from, first.baseOffset));
  // Depth-first from the left, so entries are assigned in offset order.
  const between = async (a: EpochProbe, b: EpochProbe): Promise<void> => {
    if (a.epoch === b.epoch || b.baseOffset <= a.lastOffset) return;
    if (b.baseOffset === a.lastOffset + 1) {
      if (b.epoch >= 0 && b.epoch > cache.latestEpoch) cache.assign(b.epoch, b.baseOffset);
      return;
    }
    const mid = await at(Math.floor((a.lastOffset + 1 + b.baseOffset - 1) / 2));
    if (mid === undefined) return;
    await between(a, mid);
    await between(mid, b);
  };
  await between(first, last);
  return probes;
}
