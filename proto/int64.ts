/**
 * int64 fields as JS numbers. Offsets and timestamps are int64 on the wire and on disk but
 * numbers in the API; values beyond Number.MAX_SAFE_INTEGER are rejected rather than rounded.
 */
import { InvalidRecordBatchError } from './errors.js';
import { readInt32BE, readUInt32BE, writeInt32BE, writeUInt32BE } from './bytes.js';

const TWO_32 = 0x1_0000_0000;

/** Reads a big-endian int64 as a number, or throws if it is not a safe integer. */
export function readInt64BE(buf: Uint8Array, pos: number): number {
  const hi = readInt32BE(buf, pos);
  const lo = readUInt32BE(buf, pos + 4);
  const value = hi * TWO_32 + lo;
  if (!Number.isSafeInteger(value)) {
    throw new InvalidRecordBatchError(`int64 at byte ${pos} is outside the safe integer range`);
  }
  return value;
}

/** Writes a safe integer as a big-endian int64. */
export function writeInt64BE(buf: Uint8Array, value: number, pos: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  writeInt32BE(buf, hi, pos);
  writeUInt32BE(buf, lo, pos + 4);
}

/** True when `value` can be an offset: a non-negative safe integer. */
export function isValidOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
