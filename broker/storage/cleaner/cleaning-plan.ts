/**
 * What one log offers the cleaner (Kafka's LogCleanerManager.cleanableOffsets and
 * LogToClean): which of its sealed segments may be cleaned now, how dirty it is, and how a pass
 * groups segments for rewriting. Pure functions of segment facts, so the rules are tested alone.
 *
 *   clean part:  segments wholly below the first dirty offset (cleaned before);
 *   dirty part:  from the segment holding the first dirty offset up to the cleanable end;
 *   cleanable end: the first sealed segment that ends past the log's read limit (the high
 *     watermark; the active segment is never offered), or whose newest record is younger than
 *     min.compaction.lag.ms.
 *
 * A log is due when its dirty ratio, dirty bytes / (clean + dirty bytes), reaches
 * min.cleanable.dirty.ratio, or when its oldest dirty segment was started more than
 * max.compaction.lag.ms ago.
 */
import { RELATIVE_OFFSET_MAX } from '../constants.js';
import type { LogConfig } from '../log-config.js';

/** What the plan needs to know of each sealed segment, oldest first. */
export interface PlanSegment {
  readonly baseOffset: number;
  /** The next segment's base. */
  readonly nextOffset: number;
  readonly size: number;
  /** Newest record timestamp; -Infinity when unknown (treated as old). */
  readonly maxTimestamp: number;
  /** When the segment got its first batch (wall clock). */
  readonly rollBaseMs: number;
}

export interface CleaningPlan {
  /** Index of the segment holding the first dirty offset. */
  readonly dirtyIndex: number;
  /** Index after the last cleanable segment. */
  readonly endIndex: number;
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes). */
  readonly dirtyRatio: number;
  /** max.compaction.lag.ms has passed for the oldest dirty segment. */
  readonly lagExceeded: boolean;
  /** The log should be cleaned now (ratio reached or lag exceeded). */
  readonly due: boolean;
}

type PlanConfig = Pick<LogConfig, 'minCleanableDirtyRatio' | 'minCompactionLagMs' | 'maxCompactionLagMs'>;

/** The plan for `segments` (the log's cleanable sealed segments), or null when nothing is dirty. */
export function planCleaning(segments: readonly PlanSegment[], firstDirty: number, config: PlanConfig, nowMs: number): CleaningPlan | null {
  let dirtyIndex = 0;
  while (dirtyIndex < segments.length && segments[dirtyIndex]!.nextOffset <= firstDirty) dirtyIndex++;
  let endIndex = segments.length;
  if (config.minCompactionLagMs > 0) {
    for (let i = dirtyIndex; i < segments.length; i++) {
      if (nowMs - segments[i]!.maxTimestamp < config.minCompactionLagMs) {
        endIndex = i;
        break;
      }
    }
  }
  if (endIndex <= dirtyIndex) return null;
  let cleanBytes = 0;
  for (let i = 0; i < dirtyIndex; i++) cleanBytes += segments[i]!.size;
  let dirtyBytes = 0;
  for (let i = dirtyIndex; i < endIndex; i++) dirtyBytes += segments[i]!.size;
  const dirtyRatio = dirtyBytes / Math.max(1, cleanBytes + dirtyBytes);
  const lagExceeded = config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER
    && nowMs - segments[dirtyIndex]!.rollBaseMs > config.maxCompactionLagMs;
  return { dirtyIndex, endIndex, cleanBytes, dirtyBytes, dirtyRatio, lagExceeded, due: lagExceeded || dirtyRatio >= config.minCleanableDirtyRatio };
}

/**
 * Splits segments [0, count) into groups of consecutive segments, each rewritten into one:
 * a group's segments together are at most `segmentBytes` (before cleaning, so the cleaned
 * segment always fits) and span at most RELATIVE_OFFSET_MAX offsets (index entries are
 * relative). A segment larger than that alone is its own group. Returns [start, end) pairs.
 */
export function groupSegments(segments: ReadonlyArray<Pick<PlanSegment, 'baseOffset' | 'nextOffset' | 'size'>>, count: number, segmentBytes: number): Array<[number, number]> {
  const groups: Array<[number, number]> = [];
  let start = 0;
  while (start < count) {
    let end = start + 1;
    let bytes = segments[start]!.size;
    while (end < count) {
      const next = segments[end]!;
      if (bytes + next.size > segmentBytes || next.nextOffset - 1 - segments[start]!.baseOffset > RELATIVE_OFFSET_MAX) break;
      bytes += next.size;
      end++;
    }
    groups.push([start, end]);
    start = end;
  }
  return groups;
}
