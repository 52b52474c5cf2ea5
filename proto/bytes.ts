/**
 * Big-endian integer access to Uint8Arrays, the way RecordBatch v2 and the Strata frames lay
 * out their fixed-width fields. Shared by the broker and the SDK, in Node and in a browser, so
 * it uses no Buffer methods: Node's own readInt32BE and friends are these same byte shifts in
 * JS, and V8 inlines them alike. Bounds are the caller's: a read past the end yields NaN-free
 * garbage (undefined bytes read as 0), so callers check lengths first, as they did before.
 */
import { platform } from '#platform';

export const allocBytes = platform.allocBytes;
export const allocBytesSlow = platform.allocBytesSlow;
export const viewBytes = platform.viewBytes;
export const concatBytes = platform.concatBytes;
export const utf8Length = platform.utf8Length;
export const utf8Encode = platform.utf8Encode;
export const utf8Write = platform.utf8Write;
export const utf8Decode = platform.utf8Decode;

export function readInt8(b: Uint8Array, pos: number): number {
  return (b[pos]! << 24) >> 24;
}

export function readInt16BE(b: Uint8Array, pos: number): number {
  return (((b[pos]! << 8) | b[pos + 1]!) << 16) >> 16;
}

export function readUInt16BE(b: Uint8Array, pos: number): number {
  return (b[pos]! << 8) | b[pos + 1]!;
}

export function readInt32BE(b: Uint8Array, pos: number): number {
  return (b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!;
}

export function readUInt32BE(b: Uint8Array, pos: number): number {
  return ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
}

export function writeInt8(b: Uint8Array, value: number, pos: number): void {
  b[pos] = value & 0xff;
}

export function writeInt16BE(b: Uint8Array, value: number, pos: number): void {
  b[pos] = (value >>> 8) & 0xff;
  b[pos + 1] = value & 0xff;
}

/** Writes the low 32 bits of `value` (signed or unsigned alike). */
export function writeInt32BE(b: Uint8Array, value: number, pos: number): void {
  b[pos] = (value >>> 24) & 0xff;
  b[pos + 1] = (value >>> 16) & 0xff;
  b[pos + 2] = (value >>> 8) & 0xff;
  b[pos + 3] = value & 0xff;
}

export const writeUInt32BE = writeInt32BE;
