/**
 * The consumer's record decoder. A fetched batch is checked whole first (proto/record-batch.ts
 * `validateBatch`: length, magic, CRC32C, counts) and decompressed if needed; then each record
 * becomes one `FetchedRecord` that remembers where its key, value and headers lie in the batch
 * and builds the Uint8Array (or string) views only when the application reads them.
 *
 * Why not `decodeRecordBatch`: it materialises a Uint8Array view per key and value, a header array
 * and an object per record, and the consumer then needs its own object with topic and
 * partition on top - four to five allocations per record, which measured ~60% of a consumer's
 * CPU (half of it GC). Here a record costs one object until its fields are read; the result is
 * checked against `decodeRecordBatch` by a property test.
 *
 * Record layout (RecordBatch v2, see proto/record-batch.ts): length varint, attributes int8,
 * timestampDelta varlong, offsetDelta varint, key (length varint, -1 = null, bytes), value
 * (same), header count varint, headers (key: length + utf-8, value: length + bytes).
 */
import { codecFor } from '../proto/compression.js';
import { BATCH_BYTES_MAX, BATCH_HEADER_BYTES, COMPRESSION_NONE } from '../proto/constants.js';
import { InvalidRecordBatchError } from '../proto/errors.js';
import {
  batchTotalBytes, compressionOf, readBatchHeader, validateBatch, type RecordHeader,
} from '../proto/record-batch.js';
import { readVarint, type Cursor } from '../proto/varint.js';
import type { ConsumerRecord } from './consumer-options.js';
import { viewBytes, utf8Decode } from '../proto/bytes.js';

/** Timestamp type bit of the batch attributes: 1 = log append time (every record gets maxTimestamp). */
const ATTR_TIMESTAMP_TYPE = 0x08;
/** Bound on decompressed size, as proto/record-batch.ts uses: a small bomb cannot exhaust memory. */
const DECOMPRESSED_BYTES_MAX = BATCH_BYTES_MAX * 16;

/** A consumed record; key, value and headers are decoded on first access. */
export class FetchedRecord implements ConsumerRecord<unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  private readonly buf: Uint8Array;
  private readonly keyPos: number;
  private readonly keyLen: number;
  private readonly valuePos: number;
  private readonly valueLen: number;
  /** Position of the header count varint. */
  private readonly headersPos: number;
  private readonly recordEnd: number;
  private readonly utf8: boolean;
  private cachedKey: unknown = undefined;
  private cachedValue: unknown = undefined;
  private cachedHeaders: RecordHeader[] | undefined = undefined;

  constructor(topic: string, partition: number, offset: number, timestamp: number, buf: Uint8Array, keyPos: number, keyLen: number,
    valuePos: number, valueLen: number, headersPos: number, recordEnd: number, utf8: boolean) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.buf = buf;
    this.keyPos = keyPos;
    this.keyLen = keyLen;
    this.valuePos = valuePos;
    this.valueLen = valueLen;
    this.headersPos = headersPos;
    this.recordEnd = recordEnd;
    this.utf8 = utf8;
  }

  get key(): unknown {
    if (this.cachedKey === undefined) this.cachedKey = this.field(this.keyPos, this.keyLen);
    return this.cachedKey;
  }

  get value(): unknown {
    if (this.cachedValue === undefined) this.cachedValue = this.field(this.valuePos, this.valueLen);
    return this.cachedValue;
  }

  get keySize(): number {
    return this.keyLen;
  }

  get valueSize(): number {
    return this.valueLen;
  }

  get headers(): RecordHeader[] {
    if (this.cachedHeaders === undefined) this.cachedHeaders = this.readHeaders();
    return this.cachedHeaders;
  }

  /** A plain object with every field, for JSON.stringify and logging. */
  toJSON(): ConsumerRecord<unknown> {
    return {
      topic: this.topic, partition: this.partition, offset: this.offset, timestamp: this.timestamp,
      key: this.key, value: this.value, headers: this.headers, keySize: this.keyLen, valueSize: this.valueLen,
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): ConsumerRecord<unknown> {
    return this.toJSON();
  }

  private field(pos: number, len: number): unknown {
    if (len < 0) return null;
    return this.utf8 ? utf8Decode(this.buf, pos, pos + len) : this.buf.subarray(pos, pos + len);
  }

  private readHeaders(): RecordHeader[] {
    const cur: Cursor = { pos: this.headersPos };
    const end = this.recordEnd;
    const count = readVarint(this.buf, cur, end);
    const out: RecordHeader[] = [];
    for (let i = 0; i < count; i++) {
      const keyLen = readVarint(this.buf, cur, end);
      const key = utf8Decode(this.buf, cur.pos, cur.pos + keyLen);
      cur.pos += keyLen;
      const valueLen = readVarint(this.buf, cur, end);
      out.push({ key, value: valueLen < 0 ? null : this.buf.subarray(cur.pos, cur.pos + valueLen) });
      if (valueLen > 0) cur.pos += valueLen;
    }
    return out;
  }
}

/**
 * Decodes the records of the batch at `pos` whose offset is at least `fromOffset`, in order.
 * Every record's framing is checked here (lengths within the record, header entries within
 * bounds), so the lazy getters above can read without checks.
 */
export function decodeFetchedBatch(chunk: Uint8Array, pos: number, topic: string, partition: number, fromOffset: number,
  checkCrc: boolean, utf8: boolean): FetchedRecord[] {
  // Batches of a compacted topic may hold fewer records than their offsets span.
  const total = checkCrc ? validateBatch(chunk, pos, Number.MAX_SAFE_INTEGER, 'compacted') : batchTotalBytes(chunk, pos);
  const header = readBatchHeader(chunk, pos);
  let section = chunk;
  let start = pos + BATCH_HEADER_BYTES;
  let end = pos + total;
  const compression = compressionOf(header.attributes);
  if (compression !== COMPRESSION_NONE) {
    section = viewBytes(codecFor(compression).decompress(chunk.subarray(start, end), DECOMPRESSED_BYTES_MAX));
    start = 0;
    end = section.length;
  }
  const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
  const { baseOffset, baseTimestamp, maxTimestamp, recordsCount } = header;
  const out = new Array<FetchedRecord>(recordsCount);
  let kept = 0;
  const cur: Cursor = { pos: start };
  const lastOffsetDelta = header.lastOffsetDelta;
  let previousDelta = -1;
  for (let i = 0; i < recordsCount; i++) {
    const length = readVarint(section, cur, end);
    const recordEnd = cur.pos + length;
    if (length < 0 || recordEnd > end) throw new InvalidRecordBatchError(`record ${i} overruns its batch`);
    cur.pos += 1; // attributes
    const timestampDelta = readVarint(section, cur, recordEnd);
    const offsetDelta = readVarint(section, cur, recordEnd);
    // Offsets only grow inside a batch; a compacted batch may skip some (removed records).
    if (offsetDelta <= previousDelta || offsetDelta > lastOffsetDelta) throw new InvalidRecordBatchError(`record ${i} has offsetDelta ${offsetDelta}`);
    previousDelta = offsetDelta;
    const keyLen = readVarint(section, cur, recordEnd);
    const keyPos = cur.pos;
    if (keyLen < -1 || keyPos + keyLen > recordEnd) throw new InvalidRecordBatchError(`record ${i} key overruns its record`);
    if (keyLen > 0) cur.pos += keyLen;
    const valueLen = readVarint(section, cur, recordEnd);
    const valuePos = cur.pos;
    if (valueLen < -1 || valuePos + valueLen > recordEnd) throw new InvalidRecordBatchError(`record ${i} value overruns its record`);
    if (valueLen > 0) cur.pos += valueLen;
    const headersPos = cur.pos;
    const headerCount = readVarint(section, cur, recordEnd);
    if (headerCount < 0 || headerCount > length) throw new InvalidRecordBatchError(`record ${i} has ${headerCount} headers`);
    for (let h = 0; h < headerCount; h++) {
      const hk = readVarint(section, cur, recordEnd);
      if (hk < 0 || cur.pos + hk > recordEnd) throw new InvalidRecordBatchError(`record ${i} header key overruns its record`);
      cur.pos += hk;
      const hv = readVarint(section, cur, recordEnd);
      if (hv < -1 || cur.pos + hv > recordEnd) throw new InvalidRecordBatchError(`record ${i} header value overruns its record`);
      if (hv > 0) cur.pos += hv;
    }
    if (cur.pos !== recordEnd) throw new InvalidRecordBatchError(`record ${i} length disagrees with its fields`);
    const offset = baseOffset + offsetDelta;
    if (offset >= fromOffset) {
      out[kept++] = new FetchedRecord(topic, partition, offset, logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
        section, keyPos, keyLen, valuePos, valueLen, headersPos, recordEnd, utf8);
    }
  }
  if (cur.pos !== end) throw new InvalidRecordBatchError('bytes left over after the last record');
  if (kept < recordsCount) out.length = kept;
  return out;
}
