/**
 * Where each record of one RecordBatch v2 lies, without building an object per record: the log
 * cleaner walks every record of every batch it cleans (to hash keys and tell tombstones), and
 * then copies the kept records' bytes verbatim into a rewritten batch (batch-rewrite.ts).
 *
 * A BatchRecords is scratch space reused batch after batch: parallel typed arrays, grown to the
 * largest batch seen, indexed by the record's position in the batch. Positions are into
 * `section`, the records section (decompressed when the batch is compressed). Record framing is
 * checked as it is walked (lengths within the record and the section, offset deltas increasing
 * up to lastOffsetDelta), so a caller may slice key bytes without further checks.
 *
 * Concurrency: one owner; load() overwrites everything.
 */
import { codecFor } from './compression.js';
import { asBuffer } from './as-buffer.js';
import { BATCH_HEADER_BYTES, COMPRESSION_NONE, RECORDS_SECTION_BYTES_MAX } from './constants.js';
import { InvalidRecordBatchError } from './errors.js';
import { compressionOf, readBatchHeader, type BatchHeader } from './record-batch.js';
import { readVarint, type Cursor } from './varint.js';

/** Timestamp type bit of the attributes: 1 = log append time (every record has maxTimestamp). */
const ATTR_TIMESTAMP_TYPE = 0x08;
const CAPACITY_INITIAL = 64;

export class BatchRecords {
  header!: BatchHeader;
  /** The records section the positions below point into. */
  section: Buffer = Buffer.alloc(0);
  count = 0;
  /** Byte range of record i in `section`, its length varint included. */
  recordStart = new Int32Array(CAPACITY_INITIAL);
  recordEnd = new Int32Array(CAPACITY_INITIAL);
  /** Key bytes of record i; keyLength -1 is a null key. */
  keyStart = new Int32Array(CAPACITY_INITIAL);
  keyLength = new Int32Array(CAPACITY_INITIAL);
  /** 1 when record i's value is null (a tombstone). */
  valueNull = new Uint8Array(CAPACITY_INITIAL);
  offsetDelta = new Int32Array(CAPACITY_INITIAL);
  /** Record i's timestamp (base + delta, or maxTimestamp under log append time). */
  timestamp = new Float64Array(CAPACITY_INITIAL);

  /** Offset of record i. */
  offsetOf(i: number): number {
    return this.header.baseOffset + this.offsetDelta[i]!;
  }

  /** A view of record i's key (null for a null key). */
  keyOf(i: number): Buffer | null {
    const len = this.keyLength[i]!;
    return len < 0 ? null : this.section.subarray(this.keyStart[i]!, this.keyStart[i]! + len);
  }

  /**
   * Walks the batch at `buf[pos]` (whose header and CRC the caller checked). Throws
   * InvalidRecordBatchError when the records do not frame as the header says.
   */
  load(buf: Buffer, pos: number, total: number): BatchHeader {
    const header = readBatchHeader(buf, pos);
    this.header = header;
    let section = buf.subarray(pos + BATCH_HEADER_BYTES, pos + total);
    const compression = compressionOf(header.attributes);
    if (compression !== COMPRESSION_NONE) section = asBuffer(codecFor(compression).decompress(section, RECORDS_SECTION_BYTES_MAX));
    this.section = section;
    const n = header.recordsCount;
    if (n < 0) throw new InvalidRecordBatchError(`batch recordsCount ${n} is negative`);
    this.ensureCapacity(n);
    const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
    const cur: Cursor = { pos: 0 };
    const end = section.length;
    let previousDelta = -1;
    for (let i = 0; i < n; i++) {
      const start = cur.pos;
      const length = readVarint(section, cur, end);
      const recordEnd = cur.pos + length;
      if (length < 0 || recordEnd > end) throw new InvalidRecordBatchError(`record ${i} overruns its batch`);
      cur.pos += 1; // attributes
      const timestampDelta = readVarint(section, cur, recordEnd);
      const offsetDelta = readVarint(section, cur, recordEnd);
      if (offsetDelta <= previousDelta || offsetDelta > header.lastOffsetDelta) {
        throw new InvalidRecordBatchError(`record ${i} has offsetDelta ${offsetDelta}`);
      }
      previousDelta = offsetDelta;
      const keyLength = readVarint(section, cur, recordEnd);
      if (keyLength < -1 || cur.pos + keyLength > recordEnd) throw new InvalidRecordBatchError(`record ${i} key overruns its record`);
      this.keyStart[i] = cur.pos;
      this.keyLength[i] = keyLength;
      if (keyLength > 0) cur.pos += keyLength;
      const valueLength = readVarint(section, cur, recordEnd);
      if (valueLength < -1 || cur.pos + valueLength > recordEnd) throw new InvalidRecordBatchError(`record ${i} value overruns its record`);
      this.valueNull[i] = valueLength < 0 ? 1 : 0;
      this.recordStart[i] = start;
      this.recordEnd[i] = recordEnd;
      this.offsetDelta[i] = offsetDelta;
      this.timestamp[i] = logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta;
      cur.pos = recordEnd;
    }
    if (cur.pos !== end) throw new InvalidRecordBatchError('bytes left over after the last record');
    this.count = n;
    return header;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.recordStart.length) return;
    let cap = this.recordStart.length;
    while (cap < n) cap *= 2;
    this.recordStart = new Int32Array(cap);
    this.recordEnd = new Int32Array(cap);
    this.keyStart = new Int32Array(cap);
    this.keyLength = new Int32Array(cap);
    this.valueNull = new Uint8Array(cap);
    this.offsetDelta = new Int32Array(cap);
    this.timestamp = new Float64Array(cap);
  }
}
