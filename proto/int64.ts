/**
 * int64 fields as JS numbers. Offsets and timestamps are int64 on the wire and on disk but
 * numbers in the API; values beyond Number.MAX_SAFE_INTEGER are rejected rather than rounded.
 */
import { InvalidRecordBatchError } from './errors.js';

const TWO_32 = 0x1_0000_0000;

/** Reads a big-endian int64 as a number, or throws if it is not a safe integer. */
export function readInt64BE(buf: Buffer, pos: number): number {
  const hi = buf.readInt32BE(pos);
  const lo = buf.readUInt32BE(pos + 4);
  const value = hi * TWO_32 + lo;
  if (!Number.isSafeInteger(value)) {
    throw new InvalidRecordBatchError(`int64 at byte ${pos} is outside the safe integer range`);
  }
  return value;
}

/** Writes a safe integer as a big-endian int64. */
export function writeInt64BE(buf: Buffer, value: number, pos: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(lo, pos + 4);
}

/** True when `value` can be an offset: a non-negative safe integer. */
export function isValidOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
