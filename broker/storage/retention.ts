/**
 * Which sealed segments retention deletes. Both rules delete a prefix of the log (oldest
 * first), so the result is the longer of the two prefixes:
 *   - time: segments whose newest record is older than retentionMs (stops at the first that is not);
 *   - size: while the whole log minus the next oldest segment is still at least retentionBytes.
 * Kafka's rules, so operators' expectations carry over. The active segment is never passed in.
 */
import type { LogConfig } from './log-config.js';
import { NO_TIMESTAMP, type Segment } from './segment.js';

export interface RetainableSegment {
  /** Largest record timestamp in the segment. */
  readonly maxTimestamp: number;
  readonly size: number;
}

/** Number of leading `sealed` segments to delete. `totalBytes` includes the active segment. */
export function selectRetainedSegments(
  sealed: readonly RetainableSegment[], totalBytes: number, config: Pick<LogConfig, 'retentionMs' | 'retentionBytes'>, nowMs: number,
): number {
  let byTime = 0;
  if (config.retentionMs >= 0) {
    while (byTime < sealed.length && nowMs - sealed[byTime]!.maxTimestamp > config.retentionMs) byTime++;
  }
  let bySize = 0;
  if (config.retentionBytes >= 0) {
    let excess = totalBytes - config.retentionBytes;
    while (bySize < sealed.length && excess - sealed[bySize]!.size >= 0) {
      excess -= sealed[bySize]!.size;
      bySize++;
    }
  }
  return Math.max(byTime, bySize);
}

/**
 * Time retention needs the largest timestamp of each candidate segment. A segment knows it
 * once its indexes were loaded since the log was opened (unloading by the index cache keeps
 * it), so only segments never loaded are loaded here, oldest first, up to the first one still
 * within retention (selection stops there too). The log runs this outside its serial chain:
 * each load is a file read, and holding the chain meanwhile would stall every append behind
 * it. A load that fails aborts the pass before anything is selected.
 */
export async function learnMaxTimestamps(sealed: readonly Segment[], nowMs: number, retentionMs: number, stopped: () => boolean): Promise<void> {
  for (const s of sealed) {
    if (stopped()) return;
    if (s.deleted) continue;
    if (s.maxTimestamp === NO_TIMESTAMP && !s.indexesLoaded) {
      s.acquire();
      try {
        await s.loadIndexes();
      } finally {
        s.release();
      }
    }
    if (nowMs - s.maxTimestamp <= retentionMs) return;
  }
}
