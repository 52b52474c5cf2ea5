/**
 * The browser implementation of the platform interface (see platform.ts), picked by bundlers
 * through the `browser` condition of `#platform` in package.json.
 *
 * Codecs, all synchronous because batches are built and decoded synchronously:
 * - gzip: `fflate` (pure JS, 8 kB, streaming inflate so the output can be bounded);
 *   CompressionStream exists in browsers but is asynchronous only.
 * - snappy: `snappyjs`, the pure-JS port most Kafka-in-JS codecs use.
 * - LZ4: `lz4js` compresses and decompresses raw blocks in pure JS. The frame around them is
 *   written and read here: written as Kafka's Java client writes it (64 KiB independent blocks,
 *   no checksums, no content size), read in full (lz4js's own frame reader misplaces block
 *   checksums). Checksums are stepped over, not verified: the batch CRC32C covers the bytes.
 * - zstd: `@bokuweb/zstd-wasm`, the reference C library in WebAssembly; its binary is inlined
 *   in the bundle and compiled at import (top-level await).
 */
import { Gunzip, gzipSync } from 'fflate';
import { compressBlock as lz4CompressBlock, decompressBlock as lz4DecompressBlock } from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32.js';
import { compress as snappyCompressJs, uncompress as snappyUncompressJs } from 'snappyjs';
import { compress as zstdCompressWasm, decompress as zstdDecompressWasm, init as zstdInit } from '@bokuweb/zstd-wasm';
import zstdWasmBytes from 'strata:zstd-wasm';
import type { Platform } from './platform.js';
import { whatwgSocketFactory, type WhatwgWebSocketConstructor } from './whatwg-socket.js';

// The SDK compiles without DOM typings; this is all it uses of the global.
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };
declare const TextEncoder: new () => { encode(s: string): Uint8Array; encodeInto(s: string, into: Uint8Array): { written: number } };
declare const TextDecoder: new (label: string) => { decode(b: Uint8Array): string };
// The library's typings are its Node entry's (init without arguments); its browser entry takes the binary.
const zstdInitWith = zstdInit as unknown as (binary: Uint8Array) => Promise<void>;

let zstdUnavailable: Error | undefined;
try {
  // A binary that fails to compile would leave the library's init pending for ever.
  if (!WebAssembly.validate(zstdWasmBytes)) throw new Error('invalid WebAssembly binary');
  await zstdInitWith(zstdWasmBytes);
} catch (err) {
  zstdUnavailable = new Error('the zstd WebAssembly module failed to load', { cause: err });
}

function zstdReady(): void {
  if (zstdUnavailable) throw zstdUnavailable;
}

class OutputLimitError extends Error {}

function gunzipBounded(data: Uint8Array, limitBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > limitBytes) throw new OutputLimitError(`gzip output exceeds ${limitBytes} bytes`);
    chunks.push(chunk);
  });
  stream.push(data, true);
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

const LZ4_MAGIC = 0x184d2204;
/** Version 01, independent blocks: the FLG byte Kafka's KafkaLZ4BlockOutputStream writes. */
const LZ4_FLG = 0x60;
/** 64 KiB maximum block size, as Kafka's Java client uses. */
const LZ4_BD = 0x40;
const LZ4_BLOCK_BYTES = 64 * 1024;
const LZ4_UNCOMPRESSED_BIT = 0x8000_0000;

const lz4HashTable = new Uint32Array(1 << 16);
const lz4BlockScratch = new Uint8Array(LZ4_BLOCK_BYTES + (LZ4_BLOCK_BYTES >>> 8) + 16);

function writeU32LE(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v & 0xff;
  buf[pos + 1] = (v >>> 8) & 0xff;
  buf[pos + 2] = (v >>> 16) & 0xff;
  buf[pos + 3] = (v >>> 24) & 0xff;
}

function lz4CompressFrame(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / LZ4_BLOCK_BYTES);
  // Worst case every block is stored: header 7, per block 4 + its bytes, end mark 4.
  const out = new Uint8Array(7 + blocks * 4 + data.length + 4);
  writeU32LE(out, 0, LZ4_MAGIC);
  out[4] = LZ4_FLG;
  out[5] = LZ4_BD;
  out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff;
  let pos = 7;
  for (let start = 0; start < data.length; start += LZ4_BLOCK_BYTES) {
    const length = Math.min(LZ4_BLOCK_BYTES, data.length - start);
    lz4HashTable.fill(0); // independent blocks: no match may reach into the previous one
    const size = lz4CompressBlock(data, lz4BlockScratch, start, length, lz4HashTable);
    if (size === 0 || size >= length) {
      writeU32LE(out, pos, (LZ4_UNCOMPRESSED_BIT | length) >>> 0);
      out.set(data.subarray(start, start + length), pos + 4);
      pos += 4 + length;
    } else {
      writeU32LE(out, pos, size);
      out.set(lz4BlockScratch.subarray(0, size), pos + 4);
      pos += 4 + size;
    }
  }
  writeU32LE(out, pos, 0);
  return out.subarray(0, pos + 4);
}

function u32le(buf: Uint8Array, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
}

/** One LZ4 frame; proto/compression-frames.ts has already checked its layout and bound. */
function lz4DecompressFrame(data: Uint8Array, capacityBytes: number): Uint8Array {
  if (data.length < 7 || u32le(data, 0) !== LZ4_MAGIC) throw new Error('not an LZ4 frame');
  const flg = data[4]!;
  const blockChecksum = (flg & 0x10) !== 0;
  const out = new Uint8Array(capacityBytes);
  let pos = 7 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0);
  let outPos = 0;
  for (;;) {
    if (pos + 4 > data.length) throw new Error('LZ4 frame truncated');
    const word = u32le(data, pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fff_ffff;
    if (pos + size > data.length) throw new Error('LZ4 block overruns its frame');
    if ((word & LZ4_UNCOMPRESSED_BIT) !== 0) {
      if (outPos + size > capacityBytes) throw new Error('LZ4 frame inflates past its bound');
      out.set(data.subarray(pos, pos + size), outPos);
      outPos += size;
    } else {
      // lz4js drops writes past the end of `out` silently; the position it returns tells.
      outPos = lz4DecompressBlock(data, out, pos, size, outPos);
      if (outPos > capacityBytes) throw new Error('LZ4 frame inflates past its bound');
    }
    pos += size + (blockChecksum ? 4 : 0);
  }
  return out.subarray(0, outPos);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** UTF-8 length without encoding: keys and header names are short, and this allocates nothing. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3; // includes a lone surrogate, which TextEncoder writes as U+FFFD (3 bytes)
  }
  return bytes;
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** The page's WebSocket, looked up when the first socket opens so that importing never throws. */
const pageSocketFactory: Platform['socketFactory'] = (url, handlers, options) => {
  const Ctor = (globalThis as { WebSocket?: WhatwgWebSocketConstructor }).WebSocket;
  if (Ctor === undefined) throw new Error('this runtime has no global WebSocket; pass socketFactory');
  return whatwgSocketFactory(Ctor)(url, handlers, options);
};

/**
 * Strings up to this many UTF-16 units are converted in JS. TextEncoder/TextDecoder cost a call
 * into the browser per use, which dominates for the short keys, header names and values records
 * carry (profiled in Chromium: over a fifth of a consumer's busy time went to TextDecoder.decode
 * with three calls per record); longer strings go to them, where their native loops win.
 */
const SHORT_TEXT_CHARS_MAX = 64;

/** ASCII fast path; falls back to the encoder at the first non-ASCII character. */
function utf8Write(buf: Uint8Array, text: string, pos: number): number {
  const n = text.length;
  if (n <= SHORT_TEXT_CHARS_MAX) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === n) return n;
  }
  return utf8Encoder.encodeInto(text, buf.subarray(pos)).written;
}

function utf8Encode(text: string): Uint8Array {
  if (text.length > SHORT_TEXT_CHARS_MAX) return utf8Encoder.encode(text);
  const out = new Uint8Array(utf8Length(text));
  utf8Write(out, text, 0);
  return out;
}

/** ASCII fast path; any byte >= 0x80 hands the whole range to the decoder (which handles invalid sequences). */
function utf8Decode(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_TEXT_CHARS_MAX) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x80) break;
      text += String.fromCharCode(b);
    }
    if (i === end) return text;
  }
  return utf8Decoder.decode(buf.subarray(start, end));
}

export const platform: Platform = {
  name: 'browser',

  allocBytes: (size) => new Uint8Array(size),
  allocBytesSlow: (size) => new Uint8Array(size),
  viewBytes: (data) => data,
  concatBytes,
  utf8Length,
  utf8Encode,
  utf8Write,
  utf8Decode,

  crc32cNative: undefined,
  unrefTimer: () => {},
  socketFactory: pageSocketFactory,

  libraries: { gzip: 'fflate', snappy: 'snappyjs', lz4: 'lz4js', zstd: '@bokuweb/zstd-wasm' },

  gzipCompress: (data) => gzipSync(data),
  gzipDecompress: gunzipBounded,

  snappyCompress: (data) => snappyCompressJs(data),
  snappyDecompress: (data) => snappyUncompressJs(data),

  lz4FrameCompress: lz4CompressFrame,
  lz4FrameDecompress: lz4DecompressFrame,

  zstdCompress: (data, level) => {
    zstdReady();
    return zstdCompressWasm(data, level);
  },
  zstdDecompress: (data, capacityBytes) => {
    zstdReady();
    return zstdDecompressWasm(data, { defaultHeapSize: capacityBytes });
  },
};
