/**
 * Walks the frame and block headers of compressed records sections without decompressing them,
 * to learn where each frame lies and how many bytes it can at most inflate to. The broker and
 * the SDK call this before handing bytes to a codec library, so that a small section cannot make
 * them allocate gigabytes (a "zip bomb"): every format here states its block sizes up front.
 *
 * Layouts (all little-endian unless said otherwise):
 * - LZ4 frame: magic 0x184D2204, FLG (version bits 7-6 = 01, block checksum 0x10, content size
 *   0x08, content checksum 0x04, dictionary id 0x01), BD (bits 6-4: max block 64 KiB..4 MiB),
 *   [content size u64], [dict id u32], header checksum u8; blocks of u32 size (bit 31: stored
 *   uncompressed), data, [u32 checksum]; end mark u32 0; [content checksum u32].
 * - zstd frame (RFC 8878): magic 0xFD2FB528, descriptor (bits 7-6 content-size field, bit 5
 *   single segment, bit 3 reserved, bit 2 checksum, bits 1-0 dictionary id field), [window
 *   descriptor], [dict id], [content size]; blocks with a 3-byte header (bit 0 last, bits 2-1
 *   type raw/RLE/compressed, bits 23-3 size); [checksum u32]. A compressed block regenerates
 *   at most min(window size, 128 KiB).
 * - Skippable frames of both (magic 0x184D2A50-5F, u32 size, data) are stepped over.
 * - Snappy, as Kafka producers write it: either xerial framing (magic 82 'SNAPPY' 00, version
 *   and compatible version as big-endian i32, then chunks of big-endian i32 size + one raw
 *   block) — Java's snappy-java and kafkajs — or one raw block, which librdkafka writes. A raw
 *   block starts with a varint of its uncompressed length.
 */
import { InvalidRecordBatchError } from './errors.js';

/** One frame (or raw block) inside a section, and the most bytes it may inflate to. */
export interface FrameSpan {
  start: number;
  end: number;
  boundBytes: number;
}

const SKIPPABLE_MAGIC_MASK = 0xffff_fff0;
const SKIPPABLE_MAGIC = 0x184d_2a50;
const LZ4_MAGIC = 0x184d_2204;
const LZ4_UNCOMPRESSED_BIT = 0x8000_0000;
const LZ4_BLOCK_BYTES_BY_ID: Readonly<Record<number, number>> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
const ZSTD_MAGIC = 0xfd2f_b528;
const ZSTD_BLOCK_BYTES_MAX = 128 * 1024;
const TWO_32 = 0x1_0000_0000;

export const XERIAL_MAGIC: readonly number[] = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
/** Magic, version and compatible version. */
export const XERIAL_HEADER_BYTES = 16;

function corrupt(codec: string, why: string): InvalidRecordBatchError {
  return new InvalidRecordBatchError(`${codec} records section is malformed: ${why}`);
}

function u32le(buf: Uint8Array, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
}

function u32be(buf: Uint8Array, pos: number): number {
  return ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
}

function need(codec: string, buf: Uint8Array, pos: number, bytes: number): void {
  if (pos + bytes > buf.length) throw corrupt(codec, `truncated at byte ${pos}`);
}

/** Skips a skippable frame at `pos` if there is one; returns the position after it, or -1. */
function skipSkippable(codec: string, buf: Uint8Array, pos: number): number {
  if (((u32le(buf, pos) & SKIPPABLE_MAGIC_MASK) >>> 0) !== SKIPPABLE_MAGIC) return -1;
  need(codec, buf, pos, 8);
  const end = pos + 8 + u32le(buf, pos + 4);
  if (end > buf.length) throw corrupt(codec, 'skippable frame overruns the section');
  return end;
}

/**
 * The most a compressed LZ4 block of `size` bytes can inflate to: a match's length grows by
 * 255 per extension byte, so no input byte yields more than 255 output bytes, plus a constant
 * per sequence (token, offset, the 4-byte minimum match and 15 from the token). Without this, a
 * frame of 4 MiB blocks would count 4 MiB for every small block.
 */
function lz4BlockInflateBytesMax(size: number): number {
  return size * 256 + 64;
}

/** The LZ4 frames of a section, each with the sum of its blocks' largest outputs. */
export function lz4Frames(buf: Uint8Array): FrameSpan[] {
  const frames: FrameSpan[] = [];
  let pos = 0;
  if (buf.length === 0) throw corrupt('lz4', 'empty');
  while (pos < buf.length) {
    need('lz4', buf, pos, 4);
    const skipped = skipSkippable('lz4', buf, pos);
    if (skipped >= 0) {
      pos = skipped;
      continue;
    }
    if (u32le(buf, pos) !== LZ4_MAGIC) throw corrupt('lz4', `no frame magic at byte ${pos}`);
    const start = pos;
    need('lz4', buf, pos, 7);
    const flg = buf[pos + 4]!;
    const bd = buf[pos + 5]!;
    if (flg >>> 6 !== 1) throw corrupt('lz4', `frame version ${flg >>> 6}`);
    const blockBytesMax = LZ4_BLOCK_BYTES_BY_ID[(bd >>> 4) & 7];
    if (blockBytesMax === undefined) throw corrupt('lz4', `block size id ${(bd >>> 4) & 7}`);
    const blockChecksum = (flg & 0x10) !== 0;
    pos += 6 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
    let bound = 0;
    for (;;) {
      need('lz4', buf, pos, 4);
      const word = u32le(buf, pos);
      pos += 4;
      if (word === 0) break;
      const stored = (word & LZ4_UNCOMPRESSED_BIT) !== 0;
      const size = word & 0x7fff_ffff;
      if (size > blockBytesMax) throw corrupt('lz4', `block of ${size} bytes exceeds the frame's ${blockBytesMax}`);
      bound += stored ? size : Math.min(blockBytesMax, lz4BlockInflateBytesMax(size));
      pos += size + (blockChecksum ? 4 : 0);
      if (pos > buf.length) throw corrupt('lz4', 'block overruns the section');
    }
    pos += (flg & 0x04) !== 0 ? 4 : 0;
    if (pos > buf.length) throw corrupt('lz4', 'content checksum missing');
    frames.push({ start, end: pos, boundBytes: bound });
  }
  return frames;
}

/** The zstd frames of a section, each with its declared content size or the sum of its blocks' largest outputs. */
export function zstdFrames(buf: Uint8Array): FrameSpan[] {
  const frames: FrameSpan[] = [];
  let pos = 0;
  if (buf.length === 0) throw corrupt('zstd', 'empty');
  while (pos < buf.length) {
    need('zstd', buf, pos, 4);
    const skipped = skipSkippable('zstd', buf, pos);
    if (skipped >= 0) {
      pos = skipped;
      continue;
    }
    if (u32le(buf, pos) !== ZSTD_MAGIC) throw corrupt('zstd', `no frame magic at byte ${pos}`);
    const start = pos;
    need('zstd', buf, pos, 5);
    const fhd = buf[pos + 4]!;
    pos += 5;
    const fcsFlag = fhd >>> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    if ((fhd & 0x08) !== 0) throw corrupt('zstd', 'reserved descriptor bit set');
    let windowBytes = Infinity;
    if (!singleSegment) {
      need('zstd', buf, pos, 1);
      const wd = buf[pos++]!;
      const base = 2 ** (10 + (wd >>> 3));
      windowBytes = base + (base / 8) * (wd & 7);
    }
    pos += [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    need('zstd', buf, pos, fcsBytes);
    let contentBytes = -1;
    if (fcsBytes === 1) contentBytes = buf[pos]!;
    else if (fcsBytes === 2) contentBytes = (buf[pos]! | (buf[pos + 1]! << 8)) + 256;
    else if (fcsBytes === 4) contentBytes = u32le(buf, pos);
    else if (fcsBytes === 8) contentBytes = u32le(buf, pos) + u32le(buf, pos + 4) * TWO_32;
    pos += fcsBytes;
    if (singleSegment) windowBytes = contentBytes;
    const blockBytesMax = Math.min(windowBytes, ZSTD_BLOCK_BYTES_MAX);
    let bound = 0;
    for (;;) {
      need('zstd', buf, pos, 3);
      const header = buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16);
      pos += 3;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 0) {
        bound += size;
        pos += size;
      } else if (type === 1) {
        bound += size;
        pos += 1;
      } else if (type === 2) {
        if (size > blockBytesMax) throw corrupt('zstd', `compressed block of ${size} bytes exceeds ${blockBytesMax}`);
        bound += blockBytesMax;
        pos += size;
      } else {
        throw corrupt('zstd', 'reserved block type');
      }
      if (pos > buf.length) throw corrupt('zstd', 'block overruns the section');
      if ((header & 1) !== 0) break;
    }
    pos += (fhd & 0x04) !== 0 ? 4 : 0;
    if (pos > buf.length) throw corrupt('zstd', 'checksum missing');
    if (contentBytes >= 0) {
      if (contentBytes > bound) throw corrupt('zstd', `declares ${contentBytes} bytes but its blocks hold at most ${bound}`);
      bound = contentBytes;
    }
    frames.push({ start, end: pos, boundBytes: bound });
  }
  return frames;
}

/** The uncompressed length a raw snappy block announces in its varint preamble. */
export function snappyRawLength(buf: Uint8Array, start: number, end: number): number {
  let value = 0;
  let mul = 1;
  for (let pos = start; pos < end && pos < start + 5; pos++) {
    const b = buf[pos]!;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return value;
    mul *= 128;
  }
  throw corrupt('snappy', 'bad length preamble');
}

export function isXerial(buf: Uint8Array): boolean {
  if (buf.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (buf[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The raw snappy blocks of a section: xerial chunks, or the whole section as one block. */
export function snappyBlocks(buf: Uint8Array): FrameSpan[] {
  if (!isXerial(buf)) {
    if (buf.length === 0) throw corrupt('snappy', 'empty');
    return [{ start: 0, end: buf.length, boundBytes: snappyRawLength(buf, 0, buf.length) }];
  }
  const blocks: FrameSpan[] = [];
  let pos = XERIAL_HEADER_BYTES;
  while (pos < buf.length) {
    need('snappy', buf, pos, 4);
    const size = u32be(buf, pos);
    pos += 4;
    if (size > buf.length - pos) throw corrupt('snappy', 'xerial chunk overruns the section');
    blocks.push({ start: pos, end: pos + size, boundBytes: snappyRawLength(buf, pos, pos + size) });
    pos += size;
  }
  return blocks;
}
