/**
 * The process's soft limit on open files, read from /proc/self/limits (Linux; null elsewhere or
 * when unreadable). Node cannot raise it, so the broker only checks it at start: a broker whose
 * partitions and connection limit could exhaust it says so then, instead of failing later on
 * whichever open comes next.
 */
import { readFileSync } from 'node:fs';

/** Descriptors a broker needs besides its partitions and connections: listeners, metadata files, stdio, libuv. */
export const FD_BASE_COUNT = 64;

export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * Descriptors a broker may hold at once: one per partition's active segment (indexes keep no
 * handle), one per sealed segment whose log is open, one per connection, plus FD_BASE_COUNT.
 */
export function descriptorsNeeded(segmentFiles: number, connectionsMax: number): number {
  return segmentFiles + connectionsMax + FD_BASE_COUNT;
}
