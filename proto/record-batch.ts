/**
 * Kafka RecordBatch v2 ("magic 2"), byte for byte. Used by the client to build batches, by the
 * broker to validate and stamp them, and by both to read them back.
 *
 * Header layout (61 bytes, big-endian):
 *
 *   0  baseOffset            int64   stamped by the broker
 *   8  batchLength           int32   bytes after this field (total size = 12 + batchLength)
 *  12  partitionLeaderEpoch  int32   stamped by the broker
 *  16  magic                 int8    = 2
 *  17  crc                   uint32  CRC32C of bytes [21, end): stamping 0-16 never changes it
 *  21  attributes            int16   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64   -1 when not idempotent
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordsCount          int32
 *  61  records (possibly compressed as a whole)
 *
 * Each record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 * keyLength varint + key, valueLength varint + value, headerCount varint, then per header
 * keyLength varint + utf-8 key, valueLength varint + value. Lengths of -1 mean null.
 */
import { crc32c } from './crc32c.js';
import { codecFor } from './compression.js';
import {
  BATCH_BYTES_MAX, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, BATCH_RECORDS_MAX, COMPRESSION_NONE,
  RECORD_BATCH_MAGIC, RECORDS_SECTION_BYTES_MAX,
} from './constants.js';
import { InvalidRecordBatchError, MessageTooLargeError } from './errors.js';
import { readInt64BE, writeInt64BE } from './int64.js';
import { readVarint, readVarintFast, varintSize, writeVarint, type Cursor } from './varint.js';
import { allocBytes, viewBytes, utf8Decode, utf8Length, utf8Write, readInt8, readInt16BE, readInt32BE, readUInt32BE, writeInt8, writeInt16BE, writeInt32BE, writeUInt32BE } from './bytes.js';

export const OFFSET_BASE_OFFSET = 0;
export const OFFSET_BATCH_LENGTH = 8;
export const OFFSET_LEADER_EPOCH = 12;
export const OFFSET_MAGIC = 16;
export const OFFSET_CRC = 17;
export const OFFSET_ATTRIBUTES = 21;
export const OFFSET_LAST_OFFSET_DELTA = 23;
export const OFFSET_BASE_TIMESTAMP = 27;
export const OFFSET_MAX_TIMESTAMP = 35;
export const OFFSET_PRODUCER_ID = 43;
export const OFFSET_PRODUCER_EPOCH = 51;
export const OFFSET_BASE_SEQUENCE = 53;
export const OFFSET_RECORDS_COUNT = 57;

const ATTR_COMPRESSION_MASK = 0x07;
const ATTR_TIMESTAMP_TYPE = 0x08;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;

/** The smallest possible record: every varint one byte, null key and value, no headers. */
const RECORD_BYTES_MIN = 7;

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/** A record to encode. `timestamp` defaults to the batch's time of encoding. */
export interface RecordInput {
  key?: Uint8Array | null;
  value: Uint8Array | null;
  timestamp?: number;
  headers?: readonly RecordHeader[];
}

/** A decoded record with its absolute offset and timestamp. */
export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export interface EncodeBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Codec id (COMPRESSION_NONE, COMPRESSION_GZIP). */
  compression?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Time used for records without a timestamp; defaults to Date.now(). */
  now?: number;
}

/** Total bytes a batch occupies, from its batchLength field. */
export function batchTotalBytes(buf: Uint8Array, pos = 0): number {
  return BATCH_LENGTH_PREFIX_BYTES + readInt32BE(buf, pos + OFFSET_BATCH_LENGTH);
}

export function compressionOf(attributes: number): number {
  return attributes & ATTR_COMPRESSION_MASK;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

/** Encodes records into one batch, CRC included. */
export function encodeRecordBatch(records: readonly RecordInput[], options: EncodeBatchOptions = {}): Uint8Array {
  if (records.length === 0) throw new InvalidRecordBatchError('a batch needs at least one record');
  if (records.length > BATCH_RECORDS_MAX) throw new MessageTooLargeError(`batch holds more than ${BATCH_RECORDS_MAX} records`);
  const now = options.now ?? Date.now();
  // Kafka takes the first record's timestamp as the base; later deltas are signed varlongs.
  const baseTimestamp = records[0]!.timestamp ?? now;
  let maxTimestamp = -Infinity;
  for (const r of records) {
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
  }

  const bodySizes = new Array<number>(records.length);
  let recordsBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const body = recordBodySize(r, (r.timestamp ?? now) - baseTimestamp, i);
    bodySizes[i] = body;
    recordsBytes += varintSize(body) + body;
  }

  let recordsSection: Uint8Array = allocBytes(recordsBytes);
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    pos = writeRecord(recordsSection, pos, records[i]!, bodySizes[i]!, (records[i]!.timestamp ?? now) - baseTimestamp, i);
  }

  const compression = options.compression ?? COMPRESSION_NONE;
  if (compression !== COMPRESSION_NONE) recordsSection = viewBytes(codecFor(compression).compress(recordsSection));

  const total = BATCH_HEADER_BYTES + recordsSection.length;
  const buf = allocBytes(total);
  writeInt64BE(buf, options.baseOffset ?? 0, OFFSET_BASE_OFFSET);
  writeInt32BE(buf, total - BATCH_LENGTH_PREFIX_BYTES, OFFSET_BATCH_LENGTH);
  writeInt32BE(buf, options.partitionLeaderEpoch ?? -1, OFFSET_LEADER_EPOCH);
  writeInt8(buf, RECORD_BATCH_MAGIC, OFFSET_MAGIC);
  let attributes = compression & ATTR_COMPRESSION_MASK;
  if (options.isTransactional) attributes |= ATTR_TRANSACTIONAL;
  if (options.isControl) attributes |= ATTR_CONTROL;
  writeInt16BE(buf, attributes, OFFSET_ATTRIBUTES);
  writeInt32BE(buf, records.length - 1, OFFSET_LAST_OFFSET_DELTA);
  writeInt64BE(buf, baseTimestamp, OFFSET_BASE_TIMESTAMP);
  writeInt64BE(buf, maxTimestamp, OFFSET_MAX_TIMESTAMP);
  writeInt64BE(buf, options.producerId ?? -1, OFFSET_PRODUCER_ID);
  writeInt16BE(buf, options.producerEpoch ?? -1, OFFSET_PRODUCER_EPOCH);
  writeInt32BE(buf, options.baseSequence ?? -1, OFFSET_BASE_SEQUENCE);
  writeInt32BE(buf, records.length, OFFSET_RECORDS_COUNT);
  buf.set(recordsSection, BATCH_HEADER_BYTES);
  writeUInt32BE(buf, crc32c(buf.subarray(OFFSET_ATTRIBUTES)), OFFSET_CRC);
  return buf;
}

function recordBodySize(r: RecordInput, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + varintSize(timestampDelta) + varintSize(offsetDelta);
  size += r.key == null ? 1 : varintSize(r.key.length) + r.key.length;
  size += r.value == null ? 1 : varintSize(r.value.length) + r.value.length;
  const headers = r.headers ?? [];
  size += varintSize(headers.length);
  for (const h of headers) {
    const keyBytes = utf8Length(h.key);
    size += varintSize(keyBytes) + keyBytes;
    size += h.value == null ? 1 : varintSize(h.value.length) + h.value.length;
  }
  return size;
}

function writeRecord(buf: Uint8Array, pos: number, r: RecordInput, bodySize: number, timestampDelta: number, offsetDelta: number): number {
  pos = writeVarint(buf, bodySize, pos);
  buf[pos++] = 0; // record attributes: unused in v2
  pos = writeVarint(buf, timestampDelta, pos);
  pos = writeVarint(buf, offsetDelta, pos);
  pos = writeBytesField(buf, r.key ?? null, pos);
  pos = writeBytesField(buf, r.value, pos);
  const headers = r.headers ?? [];
  pos = writeVarint(buf, headers.length, pos);
  for (const h of headers) {
    const keyBytes = utf8Length(h.key);
    pos = writeVarint(buf, keyBytes, pos);
    pos += utf8Write(buf, h.key, pos);
    pos = writeBytesField(buf, h.value, pos);
  }
  return pos;
}

function writeBytesField(buf: Uint8Array, value: Uint8Array | null, pos: number): number {
  if (value == null) return writeVarint(buf, -1, pos);
  pos = writeVarint(buf, value.length, pos);
  buf.set(value, pos);
  return pos + value.length;
}

/** Reads the 61-byte header at `pos` without validating anything beyond its presence. */
export function readBatchHeader(buf: Uint8Array, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_BYTES) {
    throw new InvalidRecordBatchError(`batch header needs ${BATCH_HEADER_BYTES} bytes, ${buf.length - pos} left`);
  }
  return {
    baseOffset: readInt64BE(buf, pos + OFFSET_BASE_OFFSET),
    batchLength: readInt32BE(buf, pos + OFFSET_BATCH_LENGTH),
    partitionLeaderEpoch: readInt32BE(buf, pos + OFFSET_LEADER_EPOCH),
    magic: readInt8(buf, pos + OFFSET_MAGIC),
    crc: readUInt32BE(buf, pos + OFFSET_CRC),
    attributes: readInt16BE(buf, pos + OFFSET_ATTRIBUTES),
    lastOffsetDelta: readInt32BE(buf, pos + OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64BE(buf, pos + OFFSET_BASE_TIMESTAMP),
    maxTimestamp: readInt64BE(buf, pos + OFFSET_MAX_TIMESTAMP),
    producerId: readInt64BE(buf, pos + OFFSET_PRODUCER_ID),
    producerEpoch: readInt16BE(buf, pos + OFFSET_PRODUCER_EPOCH),
    baseSequence: readInt32BE(buf, pos + OFFSET_BASE_SEQUENCE),
    recordsCount: readInt32BE(buf, pos + OFFSET_RECORDS_COUNT),
  };
}

/**
 * How offsets may lie inside a batch. `dense`: as a producer builds it, record i has offsetDelta
 * i and lastOffsetDelta is recordsCount - 1 (what appends as leader must be). `compacted`: as the
 * log cleaner may leave it, some records removed but the batch still spanning its original
 * offsets: offset deltas strictly increase up to lastOffsetDelta, and recordsCount may be 0 (a
 * batch kept only for its producer id and offset range). Every reader of stored batches
 * (fetches, recovery, the SDK consumer, a follower copying its leader) accepts both.
 */
export type OffsetLayout = 'dense' | 'compacted';

/**
 * Checks the batch at `pos`: enough bytes for its header and declared length, length within
 * `bytesMax`, magic 2, CRC32C, counts that agree (per `layout`), and int64 fields that are safe
 * integers. Returns its total size in bytes. Reads only the header and hashes the rest: no
 * per-record work, so the broker can call it on every batch it accepts.
 */
export function validateBatch(buf: Uint8Array, pos = 0, bytesMax = BATCH_BYTES_MAX, layout: OffsetLayout = 'dense'): number {
  const left = buf.length - pos;
  if (left < BATCH_HEADER_BYTES) {
    throw new InvalidRecordBatchError(`batch header needs ${BATCH_HEADER_BYTES} bytes, ${left} left`);
  }
  const total = batchTotalBytes(buf, pos);
  if (total < BATCH_HEADER_BYTES) throw new InvalidRecordBatchError(`batchLength ${total - BATCH_LENGTH_PREFIX_BYTES} is shorter than a header`);
  if (total > bytesMax) throw new MessageTooLargeError(`batch of ${total} bytes exceeds the limit of ${bytesMax}`);
  if (total > left) throw new InvalidRecordBatchError(`batch declares ${total} bytes but only ${left} are present`);
  const magic = readInt8(buf, pos + OFFSET_MAGIC);
  if (magic !== RECORD_BATCH_MAGIC) throw new InvalidRecordBatchError(`batch magic is ${magic}, expected ${RECORD_BATCH_MAGIC}`);
  const stored = readUInt32BE(buf, pos + OFFSET_CRC);
  const actual = crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + total));
  if (stored !== actual) throw new InvalidRecordBatchError(`batch CRC mismatch: stored ${stored}, computed ${actual}`);
  const count = readInt32BE(buf, pos + OFFSET_RECORDS_COUNT);
  const lastDelta = readInt32BE(buf, pos + OFFSET_LAST_OFFSET_DELTA);
  if (layout === 'dense') {
    if (count <= 0 || count > BATCH_RECORDS_MAX) throw new InvalidRecordBatchError(`batch recordsCount ${count} is out of range`);
    if (lastDelta !== count - 1) {
      throw new InvalidRecordBatchError(`batch lastOffsetDelta ${lastDelta} does not match recordsCount ${count}`);
    }
  } else {
    if (count < 0 || count > BATCH_RECORDS_MAX) throw new InvalidRecordBatchError(`batch recordsCount ${count} is out of range`);
    if (lastDelta < Math.max(0, count - 1)) {
      throw new InvalidRecordBatchError(`batch lastOffsetDelta ${lastDelta} cannot span recordsCount ${count}`);
    }
  }
  // Readers turn these int64 fields into numbers and refuse unsafe ones; a batch holding one
  // would be stored, acknowledged and then unreadable. (The base offset is the broker's to stamp.)
  readInt64BE(buf, pos + OFFSET_BASE_TIMESTAMP);
  readInt64BE(buf, pos + OFFSET_MAX_TIMESTAMP);
  readInt64BE(buf, pos + OFFSET_PRODUCER_ID);
  const compression = compressionOf(readInt16BE(buf, pos + OFFSET_ATTRIBUTES));
  if (compression === COMPRESSION_NONE && count * RECORD_BYTES_MIN > total - BATCH_HEADER_BYTES) {
    throw new InvalidRecordBatchError(`batch claims ${count} records in ${total - BATCH_HEADER_BYTES} bytes`);
  }
  codecFor(compression); // throws for codecs this build cannot read
  return total;
}

/** Position and size of one batch inside a buffer of back-to-back batches. */
export interface BatchSpan {
  pos: number;
  size: number;
}

/**
 * Validates every batch in `buf` (back to back, nothing trailing), header and record framing
 * (checkRecordFraming), and returns their spans. Throws on the first bad one, so a produce
 * request is all-or-nothing per partition. The broker's append path.
 */
export function validateBatches(buf: Uint8Array, bytesMax = BATCH_BYTES_MAX, layout: OffsetLayout = 'dense'): BatchSpan[] {
  if (buf.length === 0) throw new InvalidRecordBatchError('no record batch in request');
  const spans: BatchSpan[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const size = validateBatch(buf, pos, bytesMax, layout);
    checkRecordFraming(buf, pos, size, layout);
    spans.push({ pos, size });
    pos += size;
  }
  return spans;
}

/**
 * Walks the records of a batch whose header already passed validateBatch, without decoding
 * them: exactly recordsCount records, each with a length inside the section and an offsetDelta
 * equal to its index (`dense`) or above the previous one and at most lastOffsetDelta
 * (`compacted`), must fill the (decompressed) records section. Three varint reads per
 * record and no allocation for uncompressed batches. The header, CRC included, can be
 * consistent with itself and still lie about the records; such a batch would be stored,
 * acknowledged and then fail to decode in every consumer.
 */
export function checkRecordFraming(buf: Uint8Array, pos: number, total: number, layout: OffsetLayout = 'dense'): void {
  const count = readInt32BE(buf, pos + OFFSET_RECORDS_COUNT);
  const lastDelta = readInt32BE(buf, pos + OFFSET_LAST_OFFSET_DELTA);
  let previous = -1;
  let section = buf.subarray(pos + BATCH_HEADER_BYTES, pos + total);
  const compression = compressionOf(readInt16BE(buf, pos + OFFSET_ATTRIBUTES));
  if (compression !== COMPRESSION_NONE) section = viewBytes(codecFor(compression).decompress(section, RECORDS_SECTION_BYTES_MAX));
  const cur: Cursor = { pos: 0 };
  const end = section.length;
  for (let i = 0; i < count; i++) {
    if (cur.pos >= end) throw new InvalidRecordBatchError(`batch claims ${count} records but holds ${i}`);
    const length = readVarintFast(section, cur, end);
    const recordEnd = cur.pos + length;
    if (length < RECORD_BYTES_MIN - 1 || recordEnd > end) throw new InvalidRecordBatchError(`record ${i} overruns its batch`);
    cur.pos += 1; // attributes
    readVarintFast(section, cur, recordEnd); // timestampDelta
    const offsetDelta = readVarintFast(section, cur, recordEnd);
    if (layout === 'dense' ? offsetDelta !== i : offsetDelta <= previous || offsetDelta > lastDelta) {
      throw new InvalidRecordBatchError(`record ${i} has offsetDelta ${offsetDelta}`);
    }
    previous = offsetDelta;
    cur.pos = recordEnd;
  }
  if (cur.pos !== end) throw new InvalidRecordBatchError(`batch holds more than the ${count} records it claims`);
}

/** Stamps the offset the broker assigned. The CRC does not cover it. */
export function stampBaseOffset(buf: Uint8Array, pos: number, baseOffset: number): void {
  writeInt64BE(buf, baseOffset, pos + OFFSET_BASE_OFFSET);
}

export function stampLeaderEpoch(buf: Uint8Array, pos: number, epoch: number): void {
  writeInt32BE(buf, epoch, pos + OFFSET_LEADER_EPOCH);
}

/** Offset of the batch's last record. */
export function lastOffsetOf(buf: Uint8Array, pos = 0): number {
  return readInt64BE(buf, pos + OFFSET_BASE_OFFSET) + readInt32BE(buf, pos + OFFSET_LAST_OFFSET_DELTA);
}

/**
 * Decodes every record of the batch at `pos`. Keys, values and header values are views into
 * `buf` (or into the decompressed section), not copies. Stored batches may be compacted
 * (offsets with gaps, see OffsetLayout), so both layouts decode.
 * `verifyCrc` defaults to true: clients should not trust bytes they did not check.
 */
export function decodeRecordBatch(buf: Uint8Array, pos = 0, verifyCrc = true): { header: BatchHeader; records: DecodedRecord[] } {
  const total = verifyCrc ? validateBatch(buf, pos, Number.MAX_SAFE_INTEGER, 'compacted') : batchTotalBytes(buf, pos);
  const header = readBatchHeader(buf, pos);
  let section = buf.subarray(pos + BATCH_HEADER_BYTES, pos + total);
  const compression = compressionOf(header.attributes);
  if (compression !== COMPRESSION_NONE) {
    section = viewBytes(codecFor(compression).decompress(section, BATCH_BYTES_MAX * 16));
  }
  const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
  const records: DecodedRecord[] = new Array(header.recordsCount);
  const cur: Cursor = { pos: 0 };
  const end = section.length;
  let previousDelta = -1;
  for (let i = 0; i < header.recordsCount; i++) {
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
    const key = readBytesField(section, cur, recordEnd);
    const value = readBytesField(section, cur, recordEnd);
    const headerCount = readVarint(section, cur, recordEnd);
    if (headerCount < 0 || headerCount > length) throw new InvalidRecordBatchError(`record ${i} has ${headerCount} headers`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = readBytesField(section, cur, recordEnd);
      if (hk === null) throw new InvalidRecordBatchError(`record ${i} has a null header key`);
      headers.push({ key: utf8Decode(hk, 0, hk.length), value: readBytesField(section, cur, recordEnd) });
    }
    if (cur.pos !== recordEnd) throw new InvalidRecordBatchError(`record ${i} length disagrees with its fields`);
    records[i] = {
      offset: header.baseOffset + offsetDelta,
      timestamp: logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  }
  if (cur.pos !== end) throw new InvalidRecordBatchError('bytes left over after the last record');
  return { header, records };
}

function readBytesField(buf: Uint8Array, cur: Cursor, end: number): Uint8Array | null {
  const len = readVarint(buf, cur, end);
  if (len === -1) return null;
  if (len < 0 || cur.pos + len > end) throw new InvalidRecordBatchError('record field overruns its record');
  const out = buf.subarray(cur.pos, cur.pos + len);
  cur.pos += len;
  return out;
}
