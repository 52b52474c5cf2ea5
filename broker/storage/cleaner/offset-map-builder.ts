/**
 * First half of a cleaning pass: the key → latest offset map over the dirty part of a log
 * (Kafka's Cleaner.buildOffsetMap). Batches are read from the segment holding the first dirty
 * offset on; every keyed record at or after it is put in the map, until the map is full, the
 * pass's offset span is used up, or the cleanable segments end. The offset where it stopped is
 * the pass's `mapEnd`: records from there on are left for the next pass.
 *
 * It also notes each producer's last batch in that range, which the rewrite keeps (emptied if
 * need be) so producer state rebuilt from the log still knows the producer.
 */
import { BatchRecords } from '../../../proto/batch-records.js';
import { isControlBatch, OFFSET_ATTRIBUTES, OFFSET_PRODUCER_ID } from '../../../proto/record-batch.js';
import { readInt64BE } from '../../../proto/int64.js';
import type { CleanerPace } from './cleaner-pace.js';
import { OFFSET_SPAN_MAX, type OffsetMap } from './offset-map.js';
import { segmentBatches, type BatchSource } from './segment-batches.js';

export interface MappedRange {
  /** Records below this offset were mapped (or are older than the first dirty offset). */
  readonly mapEnd: number;
  readonly producerLast: Map<number, number>;
  readonly bytesRead: number;
  readonly recordsMapped: number;
}

/**
 * Fills `map` (already reset to `firstDirty`) from `segments`, the dirty cleanable ones in order;
 * `end` is the offset after the last of them (the next segment's base).
 */
export async function buildOffsetMap(
  segments: readonly BatchSource[], firstDirty: number, end: number, map: OffsetMap, pace: CleanerPace,
): Promise<MappedRange> {
  const walk = new BatchRecords();
  const producerLast = new Map<number, number>();
  const spanEnd = firstDirty + OFFSET_SPAN_MAX;
  let bytesRead = 0;
  let recordsMapped = 0;
  for (const seg of segments) {
    for await (const b of segmentBatches(seg, pace)) {
      bytesRead += b.size;
      if (b.lastOffset < firstDirty) continue;
      if (b.lastOffset >= spanEnd) return { mapEnd: b.baseOffset, producerLast, bytesRead, recordsMapped };
      if (isControlBatch(b.buf.readInt16BE(b.at + OFFSET_ATTRIBUTES))) continue;
      const producerId = readInt64BE(b.buf, b.at + OFFSET_PRODUCER_ID);
      if (producerId >= 0) producerLast.set(producerId, b.baseOffset);
      walk.load(b.buf, b.at, b.size);
      const section = walk.section;
      for (let i = 0; i < walk.count; i++) {
        const offset = walk.offsetOf(i);
        const keyLength = walk.keyLength[i]!;
        if (offset < firstDirty || keyLength < 0) continue;
        if (!map.put(section, walk.keyStart[i]!, keyLength, offset)) return { mapEnd: offset, producerLast, bytesRead, recordsMapped };
        recordsMapped++;
      }
    }
  }
  return { mapEnd: end, producerLast, bytesRead, recordsMapped };
}
