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

/**
 * readVarint for the hot record loops (the broker's framing check, the consumer's decoder):
 * encodings of one to three bytes (|n| < 2^20: record, key and value lengths, the offset deltas
 * of a batch of up to a million records, timestamp deltas under 17 minutes) are decoded inline
 * and the rest goes to readVarint.
 * Small enough for V8 to inline, where readVarint with its loop and throws is a call per
 * varint: that call was ~30% of the consumer's decoding time at five varints per record.
 */
export function readVarintFast(buf: Uint8Array, cur: Cursor, end: number): number {
  const pos = cur.pos;
  if (pos < end) {
    const b0 = buf[pos]!;
    if (b0 < 0x80) {
      cur.pos = pos + 1;
      return (b0 >>> 1) ^ -(b0 & 1);
    }
    const b1 = pos + 1 < end ? buf[pos + 1]! : 0x80;
    if (b1 < 0x80) {
      const z = (b0 & 0x7f) | (b1 << 7);
      cur.pos = pos + 2;
      return (z >>> 1) ^ -(z & 1);
    }
    const b2 = pos + 2 < end ? buf[pos + 2]! : 0x80;
    if (b2 < 0x80) {
      const z = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14);
      cur.pos = pos + 3;
      return (z >>> 1) ^ -(z & 1);
    }
  }
  return readVarint(buf, cur, end);
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
