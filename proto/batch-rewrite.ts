/**
 * Rewriting a RecordBatch v2 so that it keeps only some of its records, as Kafka's log cleaner
 * does (MemoryRecords.filterTo): the batch keeps its base offset, lastOffsetDelta, timestamps,
 * attributes, partition leader epoch and producer id, epoch and base sequence, so offsets are
 * preserved (a compacted batch spans more offsets than it holds records) and a producer's
 * idempotence state rebuilt from the log still sees its batch. Kept records are copied byte for
 * byte (their offset and timestamp deltas are relative to the unchanged base), the section is
 * compressed again with the batch's own codec, and batchLength, recordsCount and the CRC32C are
 * recomputed, so the result passes validateBatch in the compacted layout.
 *
 * An empty rewrite (no record kept) is a header-only batch with recordsCount 0 and no
 * compression; callers keep one where the offset range or the producer must stay known.
 */
import { codecFor } from './compression.js';
import { asBuffer } from './as-buffer.js';
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, COMPRESSION_NONE } from './constants.js';
import { crc32c } from './crc32c.js';
import type { BatchRecords } from './batch-records.js';
import { compressionOf, OFFSET_ATTRIBUTES, OFFSET_BATCH_LENGTH, OFFSET_CRC, OFFSET_RECORDS_COUNT } from './record-batch.js';

const ATTR_COMPRESSION_MASK = 0x07;

/**
 * The batch `buf[pos, pos + total)`, walked into `records`, rewritten to hold the records i with
 * `keep[i] === 1` (at least one). Returns the original bytes (a view) when every record is kept.
 */
export function rewriteBatch(buf: Buffer, pos: number, total: number, records: BatchRecords, keep: Uint8Array): Buffer {
  let kept = 0;
  let bytes = 0;
  for (let i = 0; i < records.count; i++) {
    if (keep[i] !== 1) continue;
    kept++;
    bytes += records.recordEnd[i]! - records.recordStart[i]!;
  }
  if (kept === records.count) return buf.subarray(pos, pos + total);
  if (kept === 0) return emptyBatch(buf, pos);
  let section: Buffer = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < records.count; i++) {
    if (keep[i] !== 1) continue;
    at += records.section.copy(section, at, records.recordStart[i]!, records.recordEnd[i]!);
  }
  const attributes = buf.readInt16BE(pos + OFFSET_ATTRIBUTES);
  const compression = compressionOf(attributes);
  if (compression !== COMPRESSION_NONE) section = asBuffer(codecFor(compression).compress(section));
  return assemble(buf, pos, attributes, kept, section);
}

/** A header-only copy of the batch at `buf[pos]`: same offsets and producer, no records. */
export function emptyBatch(buf: Buffer, pos: number): Buffer {
  const attributes = buf.readInt16BE(pos + OFFSET_ATTRIBUTES) & ~ATTR_COMPRESSION_MASK;
  return assemble(buf, pos, attributes, 0, Buffer.alloc(0));
}

function assemble(buf: Buffer, pos: number, attributes: number, count: number, section: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + section.length);
  buf.copy(out, 0, pos, pos + BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - BATCH_LENGTH_PREFIX_BYTES, OFFSET_BATCH_LENGTH);
  out.writeInt16BE(attributes, OFFSET_ATTRIBUTES);
  out.writeInt32BE(count, OFFSET_RECORDS_COUNT);
  section.copy(out, BATCH_HEADER_BYTES);
  out.writeUInt32BE(crc32c(out.subarray(OFFSET_ATTRIBUTES)), OFFSET_CRC);
  return out;
}
