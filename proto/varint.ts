/**
 * Zig-zag varints as used inside RecordBatch v2 records (the protobuf encoding of sint32 and
 * sint64). Values are JS numbers. Zig-zag doubles the magnitude, so varlongs are exact for
 * |n| < 2^52; larger encodings are rejected on read rather than rounded.
 */
import { InvalidRecordBatchError } from './errors.js';

const TWO_31 = 0x8000_0000;

/** Zig-zag maps signed to unsigned so small magnitudes stay short: 0,-1,1,-2 → 0,1,2,3. */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Bytes needed for the zig-zag varint of `n`. */
export function varintSize(n: number): number {
  let z = zigzag(n);
  let size = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

/** Writes the zig-zag varint of `n` at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, n: number, pos: number): number {
  let z = zigzag(n);
  while (z >= TWO_31) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  while (z >= 128) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

/**
 * A cursor for decoding. Kept as a tiny mutable object rather than returning tuples so the
 * decoder allocates nothing per varint.
 */
export interface Cursor {
  pos: number;
}

/** Reads a zig-zag varint (up to 64 bits, safe-integer range) at `cur.pos`, advancing it. */
export function readVarint(buf: Uint8Array, cur: Cursor, end: number): number {
  let pos = cur.pos;
  if (pos >= end) throw new InvalidRecordBatchError('record truncated inside a varint');
  let b = buf[pos++]!;
  if (b < 0x80) {
    cur.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  let result = b & 0x7f;
  let mul = 128;
  for (let i = 1; i < 10; i++) {
    if (pos >= end) throw new InvalidRecordBatchError('record truncated inside a varint');
    b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (!Number.isSafeInteger(result)) throw new InvalidRecordBatchError('varint outside the safe integer range');
      cur.pos = pos;
      return unzigzag(result);
    }
    mul *= 128;
  }
  throw new InvalidRecordBatchError('varint longer than 10 bytes');
}
