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
import { readVarint, readVarintFast, type Cursor } from '../proto/varint.js';
import type { ConsumerRecord } from './consumer-options.js';
import { viewBytes, utf8Decode } from '../proto/bytes.js';

/** Timestamp type bit of the batch attributes: 1 = log append time (every record gets maxTimestamp). */
const ATTR_TIMESTAMP_TYPE = 0x08;
/** Bound on decompressed size, as proto/record-batch.ts uses: a small bomb cannot exhaust memory. */
const DECOMPRESSED_BYTES_MAX = BATCH_BYTES_MAX * 16;

/**
 * What every record of one decoded batch shares, held once per batch instead of once per record:
 * a record then costs eleven fields and no boxed timestamp (a timestamp is past the small-integer
 * range, so as a field of its own it was one more heap number per record).
 */
class BatchOrigin {
  constructor(
    readonly topic: string,
    readonly partition: number,
    /** baseOffset, to which each record's offsetDelta is added. */
    readonly baseOffset: number,
    /** The batch's records section (decompressed when the batch was compressed). */
    readonly buf: Uint8Array,
    readonly utf8: boolean,
    /** baseTimestamp, to which each record's delta is added; or maxTimestamp for log-append time. */
    readonly baseTimestamp: number,
    /** Log-append time: every record carries maxTimestamp and its own delta is ignored. */
    readonly logAppendTime: boolean,
  ) {}
}

/**
 * A consumed record; key, value and headers are decoded on first access. The offset is kept as
 * a delta from the batch's (a small integer, where an offset past 2^31 would be one more heap
 * number per record), and the record's end is not kept (the decoder checked the framing, so
 * headers are read up to the section's end): a record is one young-generation allocation, and
 * at millions of records a second its size is what the scavenger pays for.
 */
export class FetchedRecord implements ConsumerRecord<unknown> {
  private readonly origin: BatchOrigin;
  private readonly offsetDelta: number;
  private readonly timestampDelta: number;
  private readonly keyPos: number;
  private readonly keyLen: number;
  private readonly valuePos: number;
  private readonly valueLen: number;
  private cachedKey: unknown = undefined;
  private cachedValue: unknown = undefined;
  private cachedHeaders: RecordHeader[] | undefined = undefined;

  constructor(origin: BatchOrigin, offsetDelta: number, timestampDelta: number, keyPos: number, keyLen: number,
    valuePos: number, valueLen: number) {
    this.origin = origin;
    this.offsetDelta = offsetDelta;
    this.timestampDelta = timestampDelta;
    this.keyPos = keyPos;
    this.keyLen = keyLen;
    this.valuePos = valuePos;
    this.valueLen = valueLen;
  }

  get offset(): number {
    return this.origin.baseOffset + this.offsetDelta;
  }

  get topic(): string {
    return this.origin.topic;
  }

  get partition(): number {
    return this.origin.partition;
  }

  /** Milliseconds since the epoch. */
  get timestamp(): number {
    const o = this.origin;
    return o.logAppendTime ? o.baseTimestamp : o.baseTimestamp + this.timestampDelta;
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
    const { buf, utf8 } = this.origin;
    return utf8 ? utf8Decode(buf, pos, pos + len) : buf.subarray(pos, pos + len);
  }

  private readHeaders(): RecordHeader[] {
    // The header count follows the value (a null value has no bytes).
    const cur: Cursor = { pos: this.valuePos + Math.max(0, this.valueLen) };
    const buf = this.origin.buf;
    const end = buf.length;
    const count = readVarint(buf, cur, end);
    const out: RecordHeader[] = [];
    for (let i = 0; i < count; i++) {
      const keyLen = readVarint(buf, cur, end);
      const key = utf8Decode(buf, cur.pos, cur.pos + keyLen);
      cur.pos += keyLen;
      const valueLen = readVarint(buf, cur, end);
      out.push({ key, value: valueLen < 0 ? null : buf.subarray(cur.pos, cur.pos + valueLen) });
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
  const origin = new BatchOrigin(topic, partition, baseOffset, section, utf8, logAppendTime ? maxTimestamp : baseTimestamp, logAppendTime);
  const out = new Array<FetchedRecord>(recordsCount);
  let kept = 0;
  const cur: Cursor = { pos: start };
  const lastOffsetDelta = header.lastOffsetDelta;
  let previousDelta = -1;
  // Records below fromOffset are skipped by their delta, compared without a per-record addition.
  const firstDelta = fromOffset - baseOffset;
  for (let i = 0; i < recordsCount; i++) {
    const length = readVarintFast(section, cur, end);
    const recordEnd = cur.pos + length;
    if (length < 0 || recordEnd > end) throw new InvalidRecordBatchError(`record ${i} overruns its batch`);
    // One-byte varints (usual for the timestamp delta, the key length and the header count) are
    // read right here: with seven call sites V8 stops inlining readVarintFast into this loop.
    let p = cur.pos + 1; // after the attributes
    let b = p < recordEnd ? section[p]! : 0x80;
    let timestampDelta: number;
    if (b < 0x80) {
      timestampDelta = (b >>> 1) ^ -(b & 1);
      cur.pos = p + 1;
    } else {
      cur.pos = p;
      timestampDelta = readVarintFast(section, cur, recordEnd);
    }
    const offsetDelta = readVarintFast(section, cur, recordEnd);
    // Offsets only grow inside a batch; a compacted batch may skip some (removed records).
    if (offsetDelta <= previousDelta || offsetDelta > lastOffsetDelta) throw new InvalidRecordBatchError(`record ${i} has offsetDelta ${offsetDelta}`);
    previousDelta = offsetDelta;
    p = cur.pos;
    b = p < recordEnd ? section[p]! : 0x80;
    let keyLen: number;
    if (b < 0x80) {
      keyLen = (b >>> 1) ^ -(b & 1);
      cur.pos = p + 1;
    } else {
      keyLen = readVarintFast(section, cur, recordEnd);
    }
    const keyPos = cur.pos;
    if (keyLen < -1 || keyPos + keyLen > recordEnd) throw new InvalidRecordBatchError(`record ${i} key overruns its record`);
    if (keyLen > 0) cur.pos += keyLen;
    const valueLen = readVarintFast(section, cur, recordEnd);
    const valuePos = cur.pos;
    if (valueLen < -1 || valuePos + valueLen > recordEnd) throw new InvalidRecordBatchError(`record ${i} value overruns its record`);
    if (valueLen > 0) cur.pos += valueLen;
    p = cur.pos;
    b = p < recordEnd ? section[p]! : 0x80;
    let headerCount: number;
    if (b < 0x80) {
      headerCount = (b >>> 1) ^ -(b & 1);
      cur.pos = p + 1;
    } else {
      headerCount = readVarintFast(section, cur, recordEnd);
    }
    if (headerCount < 0 || headerCount > length) throw new InvalidRecordBatchError(`record ${i} has ${headerCount} headers`);
    for (let h = 0; h < headerCount; h++) {
      const hk = readVarintFast(section, cur, recordEnd);
      if (hk < 0 || cur.pos + hk > recordEnd) throw new InvalidRecordBatchError(`record ${i} header key overruns its record`);
      cur.pos += hk;
      const hv = readVarintFast(section, cur, recordEnd);
      if (hv < -1 || cur.pos + hv > recordEnd) throw new InvalidRecordBatchError(`record ${i} header value overruns its record`);
      if (hv > 0) cur.pos += hv;
    }
    if (cur.pos !== recordEnd) throw new InvalidRecordBatchError(`record ${i} length disagrees with its fields`);
    if (offsetDelta >= firstDelta) {
      out[kept++] = new FetchedRecord(origin, offsetDelta, timestampDelta, keyPos, keyLen, valuePos, valueLen);
    }
  }
  if (cur.pos !== end) throw new InvalidRecordBatchError('bytes left over after the last record');
  if (kept < recordsCount) out.length = kept;
  return out;
}
