/**
 * Putting a cleaned segment in place of the segments it was cleaned from, crash-safely, and
 * finishing (or rolling back) a swap a crash interrupted. Kafka's protocol, with the names here:
 *
 *   1. the cleaner writes `B.log.cleaned`, `B.index.cleaned`, `B.timeindex.cleaned` (B: base
 *      offset of the first replaced segment) and fdatasyncs them;
 *   2. `B.log.cleaned` → `B.log.swap`, directory fsync: the commit point. From here on the
 *      next start finishes the swap;
 *   3. every replaced segment's files are renamed to `.deleted` (the first one has the same
 *      names as the cleaned segment);
 *   4. the cleaned indexes and then `B.log.swap` take their final names, directory fsync;
 *   5. the log's segment list is updated; the replaced segments are shrunk and unlinked later.
 *
 * A cleaned segment always ends with a batch whose last offset is just before the next
 * segment's base (the cleaner keeps the group's last batch, emptied if need be), so the range
 * it replaces, [B, last offset + 1), is readable from the swap file alone.
 *
 * Recovery (completeInterruptedSwaps, run when a log is opened, before leftovers are removed):
 *   - `B.log.swap` present: the swap committed. Every segment file whose base lies in the swap's
 *     range is removed (old segments not yet renamed, and any index already renamed: indexes
 *     are rebuilt from the log when missing), then `B.log.swap` becomes `B.log`;
 *   - only `.cleaned` files: the swap never committed; they are removed with the other
 *     leftovers, and the old segments are untouched.
 * Either way the log holds the old segments or the cleaned one for each range, never a mix.
 *
 * Concurrency: swapCleanedSegment runs on the owning log's serial chain, so no append, roll,
 * retention or truncation runs meanwhile; readers keep reading retired segments through their
 * open handles.
 */
import { open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { scanBatches } from '../batch-scan.js';
import { fsyncDir } from '../file-io.js';
import { HEADER_SCAN_READ_BYTES } from '../constants.js';
import { logFilePath, offsetIndexPath, parseSegmentFileName, timeIndexPath } from '../log-files.js';
import type { Segment } from '../segment.js';
import type { SegmentList } from '../segment-list.js';

/** Suffix of the files of a cleaned segment being written. */
export const CLEANED_SUFFIX = '.cleaned';
/** Suffix of a cleaned `.log` whose swap has committed. */
export const SWAP_SUFFIX = '.swap';

/** Moments of a swap, for fault injection (tests kill the process at each). */
export type SwapStep =
  | 'chunk-written' | 'cleaned-written' | 'swap-renamed' | 'swap-committed' | 'old-retired' | 'indexes-renamed' | 'log-renamed' | 'swapped';

/** Tests only: called at each step of cleaning and swapping; may throw, delay or kill the process. */
export interface SwapFaults {
  step?(step: SwapStep, dir: string): void | Promise<void>;
  /** Asked at the start of each pass: the cleaner worker thread dies (exits) at this step of it. */
  workerExitAt?(): 'mapped' | SwapStep | undefined;
}

/** What a swap needs from the log it runs in. */
export interface SwapHost {
  readonly dir: string;
  readonly name: string;
  readonly logger: Logger;
  readonly segments: SegmentList;
  openSegment(baseOffset: number): Promise<Segment>;
  /** The swap committed but could not finish: the log must stop until it is reopened (and recovered). */
  fatal(err: unknown): void;
}

export interface CleanedFiles {
  readonly baseOffset: number;
  /** The offset after the cleaned segment's last batch: the next segment's base. */
  readonly nextOffset: number;
}

/**
 * Replaces `olds` (consecutive segments of the log) with the cleaned files. Returns the retired
 * segments, whose files the caller deletes once nobody reads them, or null when the log changed
 * since the cleaning began (a segment left or was truncated) and nothing was swapped; the
 * cleaned files are then removed.
 */
export async function swapCleanedSegment(
  host: SwapHost, olds: readonly Segment[], cleaned: CleanedFiles, faults?: SwapFaults,
): Promise<Segment[] | null> {
  const { dir } = host;
  const base = cleaned.baseOffset;
  if (!stillInPlace(host.segments, olds, cleaned)) {
    await removeCleanedFiles(dir, base);
    return null;
  }
  await faults?.step?.('cleaned-written', dir);
  const logPath = logFilePath(dir, base);
  try {
    await rename(logPath + CLEANED_SUFFIX, logPath + SWAP_SUFFIX);
    await faults?.step?.('swap-renamed', dir);
    await fsyncDir(dir);
  } catch (err) {
    await removeCleanedFiles(dir, base);
    throw err;
  }
  await faults?.step?.('swap-committed', dir);
  try {
    for (const old of olds) {
      await old.retire();
      await faults?.step?.('old-retired', dir);
    }
    for (const p of [offsetIndexPath(dir, base), timeIndexPath(dir, base)]) await renameIfPresent(p + CLEANED_SUFFIX, p);
    await faults?.step?.('indexes-renamed', dir);
    await rename(logPath + SWAP_SUFFIX, logPath);
    await faults?.step?.('log-renamed', dir);
    await fsyncDir(dir);
    await faults?.step?.('swapped', dir);
    const seg = await host.openSegment(base);
    seg.assumeNextOffset(cleaned.nextOffset);
    host.segments.replaceRange(olds, seg);
  } catch (err) {
    host.fatal(err);
    throw err;
  }
  return [...olds];
}

/** The segments are still consecutive in the log, sealed and not leaving, and end where the cleaned one does. */
function stillInPlace(list: SegmentList, olds: readonly Segment[], cleaned: CleanedFiles): boolean {
  const all = list.all();
  const first = all.indexOf(olds[0]!);
  if (first < 0 || first + olds.length >= all.length) return false;
  for (let i = 0; i < olds.length; i++) {
    const s = all[first + i]!;
    if (s !== olds[i] || !s.sealed || s.deleted) return false;
  }
  return all[first + olds.length]!.baseOffset === cleaned.nextOffset && olds[0]!.baseOffset === cleaned.baseOffset;
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function unlinkIfPresent(p: string): Promise<boolean> {
  try {
    await unlink(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return false;
  }
}

/** Removes the `.cleaned` (and `.swap`-less) files of an abandoned cleaning of base `base`. */
export async function removeCleanedFiles(dir: string, base: number): Promise<void> {
  for (const p of [logFilePath(dir, base), offsetIndexPath(dir, base), timeIndexPath(dir, base)]) {
    await unlinkIfPresent(p + CLEANED_SUFFIX);
  }
}

/**
 * Finishes the swaps of `dir` that committed before a crash (see the file comment). Returns the
 * number finished. Leftover `.cleaned` files are left to the loader's temp-file removal.
 */
export async function completeInterruptedSwaps(dir: string, logger: Logger): Promise<number> {
  const names = await readdir(dir);
  const swaps = names.filter((n) => n.endsWith(`.log${SWAP_SUFFIX}`)).sort();
  let done = 0;
  for (const name of swaps) {
    const parsed = parseSegmentFileName(name.slice(0, -SWAP_SUFFIX.length));
    if (!parsed) continue;
    const swapPath = path.join(dir, name);
    const end = await swapEndOffset(swapPath, parsed.baseOffset);
    if (end === undefined) {
      // Never happens to a swap that committed (the file was fsynced first); a damaged one is
      // dropped so that the old segments, if still there, stay the log.
      logger.error({ file: swapPath }, 'cleaned segment of an interrupted swap is unreadable; dropping it');
      await unlink(swapPath);
      continue;
    }
    const replaced: string[] = [];
    for (const other of names) {
      const seg = parseSegmentFileName(other);
      if (seg && seg.baseOffset >= parsed.baseOffset && seg.baseOffset < end) {
        if (await unlinkIfPresent(path.join(dir, other))) replaced.push(other);
      }
    }
    for (const p of [offsetIndexPath(dir, parsed.baseOffset), timeIndexPath(dir, parsed.baseOffset)]) await unlinkIfPresent(p + CLEANED_SUFFIX);
    await rename(swapPath, logFilePath(dir, parsed.baseOffset));
    await fsyncDir(dir);
    logger.warn({ file: swapPath, replaced }, 'finished a segment swap interrupted by a crash');
    done++;
  }
  return done;
}

/** Last offset + 1 of the batches in a swap file, read from their headers; undefined if they do not parse. */
async function swapEndOffset(file: string, baseOffset: number): Promise<number | undefined> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const window = Buffer.allocUnsafe(HEADER_SCAN_READ_BYTES);
    let end: number | undefined;
    for await (const b of scanBatches(fh, { from: 0, to: size, expectOffset: baseOffset, mode: 'header', window })) end = b.lastOffset + 1;
    return end;
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}
