/**
 * Compacted batches for reader tests, built the way the log cleaner builds them (batch-rewrite):
 * the batch keeps its offsets and producer fields, only the records at `keep` stay.
 */
import { BatchRecords } from '../../proto/batch-records.js';
import { rewriteBatch } from '../../proto/batch-rewrite.js';

/** A copy of `batch` holding only the records at the indexes in `keep` (none: a header-only batch). */
export function keepRecords(batch: Buffer, keep: readonly number[]): Buffer {
  const walk = new BatchRecords();
  walk.load(batch, 0, batch.length);
  const mask = new Uint8Array(walk.count);
  for (const i of keep) mask[i] = 1;
  return Buffer.from(rewriteBatch(batch, 0, batch.length, walk, mask));
}
