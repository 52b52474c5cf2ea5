/**
 * Hand-written encoder for the one hot response, Fetch: the whole `Response` frame
 * (correlation_id + fetch body), byte for byte what protobufjs writes for the same message
 * (property-tested against proto/messages.ts `encodeResponse`). It measures the message first,
 * then writes it into one Buffer of the exact size, copying each partition's record bytes once.
 * The generic writer instead copies the records into its chunk list, then again into the final
 * buffer, and allocates per field; on a replay that was ~25% of the broker's CPU and most of its
 * GC (notes/perf-profile.md).
 *
 * Layout (protobuf, proto3: zero scalars, empty strings/bytes and null messages are omitted,
 * as the generated encoder does; an error object is always written, even if all-default):
 *   Response               1: correlation_id varint, 16: fetch (length-delimited)
 *   FetchResponse          1: topics (repeated, length-delimited)
 *   TopicFetchResponse     1: name string, 2: partitions (repeated, length-delimited)
 *   PartitionFetchResponse 1: partition varint, 2: error (message), 3: high_watermark int64 varint,
 *                          4: log_start_offset int64 varint, 5: records bytes
 *   Error                  1: code varint, 2: name string, 3: retriable bool, 4: message string
 * int64 fields are numbers (proto/pb-config.ts); negative ones take 10 bytes (two's complement).
 *
 * Pure function, no state: safe to call from any request.
 */
import assert from 'node:assert/strict';

/**
 * What the encoder reads: the shape of strata.v1.FetchResponse, written structurally so that
 * the broker's fetch result (errors as StrataError instances, which carry code, name, retriable
 * and message) is encoded as it is, without building protobuf objects first.
 */
export interface FetchFrameBody {
  readonly topics?: readonly FetchFrameTopic[] | null;
}
export interface FetchFrameTopic {
  readonly name?: string | null;
  readonly partitions?: readonly FetchFramePartition[] | null;
}
export interface FetchFramePartition {
  readonly partition?: number | null;
  readonly error?: FetchFrameError | null;
  readonly highWatermark?: number | null;
  readonly logStartOffset?: number | null;
  readonly records?: Uint8Array | null;
}
export interface FetchFrameError {
  readonly code?: number | null;
  readonly name?: string | null;
  readonly retriable?: boolean | null;
  readonly message?: string | null;
}

type FetchBody = FetchFrameBody;
type PartitionBody = FetchFramePartition;
type ErrorBody = FetchFrameError;

const TAG_CORRELATION_ID = (1 << 3) | 0;
/** Field 16, wire type 2: 130, a two-byte varint tag. */
const TAG_FETCH = (16 << 3) | 2;
/** Response field 113 (`pushed`, a subscription's batches): the same body under another tag. */
const TAG_PUSHED = (113 << 3) | 2;
const TAG_TOPICS = (1 << 3) | 2;
const TAG_NAME = (1 << 3) | 2;
const TAG_PARTITIONS = (2 << 3) | 2;
const TAG_PARTITION = (1 << 3) | 0;
const TAG_ERROR = (2 << 3) | 2;
const TAG_HIGH_WATERMARK = (3 << 3) | 0;
const TAG_LOG_START_OFFSET = (4 << 3) | 0;
const TAG_RECORDS = (5 << 3) | 2;
const TAG_ERROR_CODE = (1 << 3) | 0;
const TAG_ERROR_NAME = (2 << 3) | 2;
const TAG_ERROR_RETRIABLE = (3 << 3) | 0;
const TAG_ERROR_MESSAGE = (4 << 3) | 2;

const TWO_32 = 0x1_0000_0000;
/** A negative int64 is sign-extended to 64 bits: ten 7-bit groups. */
const NEGATIVE_INT64_VARINT_BYTES = 10;

/** Bytes of an unsigned varint (values below 2^32). */
function uvarintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5;
}

function writeUvarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes of an int64 varint for a safe integer. */
function int64Size(n: number): number {
  if (n < 0) return NEGATIVE_INT64_VARINT_BYTES;
  if (n < TWO_32) return uvarintSize(n);
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** Writes a safe integer as an int64 varint, from its low and high 32-bit words. */
function writeInt64(buf: Buffer, pos: number, n: number): number {
  let lo = n >>> 0; // ToUint32 is n modulo 2^32, so also right for negatives
  let hi = Math.floor(n / TWO_32) >>> 0;
  while (hi !== 0 || lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

function fieldSize(contentBytes: number): number {
  return 1 + uvarintSize(contentBytes) + contentBytes;
}

function errorSize(e: ErrorBody, strings: number[]): number {
  let size = 0;
  if (e.code) size += 1 + uvarintSize(e.code);
  const nb = e.name ? Buffer.byteLength(e.name, 'utf8') : 0;
  const mb = e.message ? Buffer.byteLength(e.message, 'utf8') : 0;
  strings.push(nb, mb);
  if (nb > 0) size += fieldSize(nb);
  if (e.retriable) size += 2;
  if (mb > 0) size += fieldSize(mb);
  return size;
}

function partitionSize(p: PartitionBody, sizes: number[], strings: number[]): number {
  let size = 0;
  if (p.partition) size += 1 + uvarintSize(p.partition);
  if (p.error != null) {
    const es = errorSize(p.error, strings);
    sizes.push(es);
    size += fieldSize(es);
  }
  if (p.highWatermark) size += 1 + int64Size(p.highWatermark);
  if (p.logStartOffset) size += 1 + int64Size(p.logStartOffset);
  if (p.records != null && p.records.length > 0) size += fieldSize(p.records.length);
  return size;
}

/** Which Response field carries the body: a fetch answer, or a subscription's pushed batches. */
export type FetchFrameField = 'fetch' | 'pushed';

/**
 * Encodes `Response { correlation_id, fetch: body }` (or `pushed: body`) into one exactly-sized
 * Buffer. int64 fields must be safe integers (the broker's offsets are); uint32 fields below 2^32.
 *
 * `alloc`, if given, supplies the memory (at least the bytes asked): the frame is then its
 * first `total` bytes, so a caller can recycle frame buffers once the socket has written them.
 */
export function encodeFetchResponseFrame(correlationId: number, body: FetchBody,
  alloc: (bytes: number) => Buffer = Buffer.allocUnsafe, field: FetchFrameField = 'fetch'): Buffer {
  const bodyTag = field === 'fetch' ? TAG_FETCH : TAG_PUSHED;
  // Measure pass: sizes of every length-delimited message, in write order, so the write pass
  // does not measure twice. `strings` holds the UTF-8 byte lengths of names and messages.
  const sizes: number[] = [];
  const strings: number[] = [];
  const topics = body.topics ?? [];
  let fetchSize = 0;
  for (const t of topics) {
    const slot = sizes.length;
    sizes.push(0);
    const nb = t.name ? Buffer.byteLength(t.name, 'utf8') : 0;
    strings.push(nb);
    let topicSize = nb > 0 ? fieldSize(nb) : 0;
    for (const p of t.partitions ?? []) {
      const pslot = sizes.length;
      sizes.push(0);
      const ps = partitionSize(p, sizes, strings);
      sizes[pslot] = ps;
      topicSize += fieldSize(ps);
    }
    sizes[slot] = topicSize;
    fetchSize += fieldSize(topicSize);
  }
  // Both body tags are two-byte varints (130 and 906).
  const total = (correlationId ? 1 + uvarintSize(correlationId) : 0) + 2 + uvarintSize(fetchSize) + fetchSize;
  const backing = alloc(total);
  assert.ok(backing.length >= total, 'fetch frame allocator returned too small a buffer');
  const buf = backing.length === total ? backing : backing.subarray(0, total);

  let pos = 0;
  let si = 0;
  let ni = 0;
  if (correlationId) {
    buf[pos++] = TAG_CORRELATION_ID;
    pos = writeUvarint(buf, pos, correlationId);
  }
  pos = writeUvarint(buf, pos, bodyTag);
  pos = writeUvarint(buf, pos, fetchSize);
  for (const t of topics) {
    buf[pos++] = TAG_TOPICS;
    pos = writeUvarint(buf, pos, sizes[si++]!);
    const nb = strings[ni++]!;
    if (nb > 0) {
      buf[pos++] = TAG_NAME;
      pos = writeUvarint(buf, pos, nb);
      pos += buf.write(t.name!, pos, nb, 'utf8');
    }
    for (const p of t.partitions ?? []) {
      buf[pos++] = TAG_PARTITIONS;
      pos = writeUvarint(buf, pos, sizes[si++]!);
      if (p.partition) {
        buf[pos++] = TAG_PARTITION;
        pos = writeUvarint(buf, pos, p.partition);
      }
      const e = p.error;
      if (e != null) {
        buf[pos++] = TAG_ERROR;
        pos = writeUvarint(buf, pos, sizes[si++]!);
        if (e.code) {
          buf[pos++] = TAG_ERROR_CODE;
          pos = writeUvarint(buf, pos, e.code);
        }
        const enb = strings[ni++]!;
        const emb = strings[ni++]!;
        if (enb > 0) {
          buf[pos++] = TAG_ERROR_NAME;
          pos = writeUvarint(buf, pos, enb);
          pos += buf.write(e.name!, pos, enb, 'utf8');
        }
        if (e.retriable) {
          buf[pos++] = TAG_ERROR_RETRIABLE;
          buf[pos++] = 1;
        }
        if (emb > 0) {
          buf[pos++] = TAG_ERROR_MESSAGE;
          pos = writeUvarint(buf, pos, emb);
          pos += buf.write(e.message!, pos, emb, 'utf8');
        }
      }
      if (p.highWatermark) {
        buf[pos++] = TAG_HIGH_WATERMARK;
        pos = writeInt64(buf, pos, p.highWatermark);
      }
      if (p.logStartOffset) {
        buf[pos++] = TAG_LOG_START_OFFSET;
        pos = writeInt64(buf, pos, p.logStartOffset);
      }
      const records = p.records;
      if (records != null && records.length > 0) {
        buf[pos++] = TAG_RECORDS;
        pos = writeUvarint(buf, pos, records.length);
        buf.set(records, pos);
        pos += records.length;
      }
    }
  }
  assert.equal(pos, total, 'fetch response frame size measured and written disagree');
  return buf;
}
