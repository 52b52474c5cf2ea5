/**
 * Opening a partition directory: finish a segment swap of the cleaner that a crash
 * interrupted, list it, remove leftovers (temp files, index files without a log), open every segment, then either recover (unclean) or open the active segment cheaply
 * (clean). See recovery.ts for what each path checks.
 */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { completeInterruptedSwaps } from './cleaner/segment-swap.js';
import { fsyncDir } from './file-io.js';
import { isTempFileName, parseSegmentFileName } from './log-files.js';
import { openActiveSegment, recoverSegments } from './recovery.js';
import { Segment, type SegmentContext } from './segment.js';

export interface LoadOptions {
  dir: string;
  ctx: SegmentContext;
  /** Scan from the recovery point (unclean shutdown). */
  recover: boolean;
  /** Offset below which data is known flushed; undefined with `recover` scans everything. */
  recoveryPoint?: number | undefined;
}

/**
 * Returns the log's segments in offset order; the last one is active and writable. `created`:
 * the directory held no segment, so an empty one was made, whose directory entry the caller
 * must fsync before the log's first data counts as durable.
 */
export async function loadSegments(opts: LoadOptions): Promise<{ segments: Segment[]; created: boolean }> {
  const { dir, ctx } = opts;
  await mkdir(dir, { recursive: true });
  // Before leftovers go: a committed cleaner swap's old segments may be among them.
  await completeInterruptedSwaps(dir, ctx.logger);
  const names = await readdir(dir);
  const logs = new Set<number>();
  const indexes: { name: string; baseOffset: number }[] = [];
  let removed = false;
  for (const name of names) {
    if (isTempFileName(name)) {
      ctx.logger.warn({ file: path.join(dir, name) }, 'removing leftover temp file');
      await unlink(path.join(dir, name));
      removed = true;
      continue;
    }
    const parsed = parseSegmentFileName(name);
    if (parsed === undefined) continue;
    if (parsed.kind === 'log') logs.add(parsed.baseOffset);
    else indexes.push({ name, baseOffset: parsed.baseOffset });
  }
  for (const idx of indexes) {
    if (logs.has(idx.baseOffset)) continue;
    ctx.logger.warn({ file: path.join(dir, idx.name) }, 'removing index file without a log');
    await unlink(path.join(dir, idx.name));
    removed = true;
  }
  if (removed) await fsyncDir(dir);

  const bases = [...logs].sort((a, b) => a - b);
  if (bases.length === 0) {
    return { segments: [await Segment.create(dir, 0, ctx)], created: true };
  }
  const segments: Segment[] = [];
  try {
    for (const base of bases) segments.push(await Segment.openExisting(dir, base, ctx));
  } catch (err) {
    for (const s of segments) await s.abandon();
    throw err;
  }
  // Sealed segments end where the next one starts; the active one's end is found by scanning.
  for (let i = 0; i + 1 < segments.length; i++) segments[i]!.assumeNextOffset(segments[i + 1]!.baseOffset);

  try {
    if (opts.recover) {
      let from = 0;
      if (opts.recoveryPoint !== undefined) {
        for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= opts.recoveryPoint) from = i;
      }
      ctx.logger.info({ dir, recoveryPoint: opts.recoveryPoint ?? null, fromSegment: segments[from]!.baseOffset },
        'recovering log after unclean shutdown');
      return { segments: admitSealedIndexes(await recoverSegments(segments, from, ctx)), created: false };
    }
    const active = segments[segments.length - 1]!;
    const reason = await openActiveSegment(active, ctx);
    if (reason === undefined) return { segments, created: false };
    ctx.logger.warn({ file: active.logPath, reason }, 'active segment is inconsistent after a clean shutdown; recovering it');
    return { segments: admitSealedIndexes(await recoverSegments(segments, segments.length - 1, ctx)), created: false };
  } catch (err) {
    for (const s of segments) await s.abandon();
    throw err;
  }
}

/** Recovery rebuilt sealed segments' indexes in memory: from now on they count in the IndexCache. */
function admitSealedIndexes(segments: Segment[]): Segment[] {
  for (const s of segments) s.admitIndexesToCache();
  return segments;
}
