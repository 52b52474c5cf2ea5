/**
 * Compression codecs for the records section of a batch, by the id in attribute bits 0-2
 * (Kafka's ids: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), written as Kafka's producers write
 * them so that batches cross between Strata and Kafka clients unchanged.
 *
 * The libraries doing the work differ per runtime and sit behind `#platform` (Node: node:zlib,
 * napi-rs snappy and LZ4, zstd in WebAssembly; browser: fflate, snappyjs, lz4js, the same zstd
 * WebAssembly). This module keeps what must be the same everywhere: the framing (xerial snappy,
 * one LZ4 frame, one zstd frame), the bound on what one section may inflate to, checked from the
 * frame headers before any library allocates, and the mapping of failures to typed errors.
 */
import { platform } from '#platform';
import type { Platform } from '../platform/platform.js';
import { COMPRESSION_GZIP, COMPRESSION_LZ4, COMPRESSION_NONE, COMPRESSION_SNAPPY, COMPRESSION_ZSTD } from './constants.js';
import { lz4Frames, snappyBlocks, XERIAL_HEADER_BYTES, XERIAL_MAGIC, zstdFrames, type FrameSpan } from './compression-frames.js';
import { InvalidRecordBatchError, MessageTooLargeError, StrataError } from './errors.js';

export interface CompressionCodec {
  readonly id: number;
  readonly name: CompressionName;
  compress(data: Uint8Array): Uint8Array;
  /**
   * `limitBytes` bounds the output so a small "zip bomb" cannot exhaust memory: a section that
   * would inflate past it fails with MessageTooLargeError, before the bytes are allocated where
   * the format states its sizes (all but gzip), while inflating for gzip.
   */
  decompress(data: Uint8Array, limitBytes: number): Uint8Array;
}

/** The codec names, as the SDK's `compression` option and `strata produce --compression` take them. */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

/**
 * Level 3 is zstd's own default and what Kafka's producers use unless told otherwise
 * (compression.zstd.level).
 */
export const ZSTD_LEVEL = 3;

/**
 * Java's snappy-java writes xerial chunks of 32 KiB of input each; so do we, so that our
 * sections look like a Java producer's to any reader.
 */
export const XERIAL_CHUNK_BYTES = 32 * 1024;

const codecs = new Map<number, CompressionCodec>();

export function registerCodec(codec: CompressionCodec): void {
  codecs.set(codec.id, codec);
}

export function codecFor(id: number): CompressionCodec {
  const codec = codecs.get(id);
  if (!codec) throw new InvalidRecordBatchError(`compression codec ${id} is not supported`);
  return codec;
}

const IDS: Readonly<Record<CompressionName, number>> = {
  none: COMPRESSION_NONE, gzip: COMPRESSION_GZIP, snappy: COMPRESSION_SNAPPY, lz4: COMPRESSION_LZ4, zstd: COMPRESSION_ZSTD,
};

export function compressionId(name: CompressionName): number {
  return IDS[name];
}

export function isCompressionName(value: unknown): value is CompressionName {
  return typeof value === 'string' && (COMPRESSION_NAMES as readonly string[]).includes(value);
}

/** The library each codec runs on in this runtime, for logs. */
export const COMPRESSION_LIBRARIES = platform.libraries;

function tooLarge(name: string, limitBytes: number): MessageTooLargeError {
  return new MessageTooLargeError(`${name} records section inflates to more than ${limitBytes} bytes`);
}

/** Runs a library call, turning its plain errors into InvalidRecordBatchError. */
function guarded<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StrataError) throw err;
    throw new InvalidRecordBatchError(`${name} records section failed to decompress`, { cause: err });
  }
}

/** Inflates every span with `inflate`, after checking their bounds add up to at most `limitBytes`. */
function inflateSpans(name: string, data: Uint8Array, spans: FrameSpan[], limitBytes: number,
  inflate: (span: Uint8Array, boundBytes: number) => Uint8Array): Uint8Array {
  let bound = 0;
  for (const s of spans) bound += s.boundBytes;
  if (bound > limitBytes) throw tooLarge(name, limitBytes);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const s of spans) {
    const part = guarded(name, () => inflate(data.subarray(s.start, s.end), s.boundBytes));
    if (part.length > s.boundBytes) throw new InvalidRecordBatchError(`${name} frame inflated past the size its headers allow`);
    parts.push(part);
    total += part.length;
  }
  return concat(parts, total);
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Xerial framing around raw snappy blocks of XERIAL_CHUNK_BYTES of input each. */
function xerialCompress(p: Platform, data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER_BYTES;
  for (let start = 0; start < data.length; start += XERIAL_CHUNK_BYTES) {
    const block = p.snappyCompress(data.subarray(start, Math.min(data.length, start + XERIAL_CHUNK_BYTES)));
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  out.set(XERIAL_MAGIC, 0);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt32(8, 1); // version
  view.setInt32(12, 1); // oldest version that can read it
  let pos = XERIAL_HEADER_BYTES;
  for (const block of blocks) {
    view.setInt32(pos, block.length);
    out.set(block, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

/**
 * The five codecs on the primitives of `p`. The registry uses this runtime's platform; tests
 * build the other runtime's codecs with it to check that both read each other's bytes.
 */
export function codecsOn(p: Platform): CompressionCodec[] {
  return [
    { id: COMPRESSION_NONE, name: 'none', compress: (data) => data, decompress: (data) => data },
    {
      id: COMPRESSION_GZIP,
      name: 'gzip',
      compress: (data) => p.gzipCompress(data),
      decompress: (data, limitBytes) => {
        try {
          return p.gzipDecompress(data, limitBytes);
        } catch (err) {
          // Node fails with ERR_BUFFER_TOO_LARGE past maxOutputLength, the browser platform with
          // "exceeds"; anything else means corrupt bytes.
          const code = (err as { code?: string }).code;
          if (code === 'ERR_BUFFER_TOO_LARGE' || /exceeds/.test(String((err as Error).message))) throw tooLarge('gzip', limitBytes);
          throw new InvalidRecordBatchError('gzip records section failed to decompress', { cause: err });
        }
      },
    },
    {
      id: COMPRESSION_SNAPPY,
      name: 'snappy',
      compress: (data) => xerialCompress(p, data),
      decompress: (data, limitBytes) => inflateSpans('snappy', data, snappyBlocks(data), limitBytes,
        (block) => p.snappyDecompress(block)),
    },
    {
      id: COMPRESSION_LZ4,
      name: 'lz4',
      compress: (data) => p.lz4FrameCompress(data),
      decompress: (data, limitBytes) => inflateSpans('lz4', data, lz4Frames(data), limitBytes,
        (frame, bound) => p.lz4FrameDecompress(frame, bound)),
    },
    {
      id: COMPRESSION_ZSTD,
      name: 'zstd',
      compress: (data) => p.zstdCompress(data, ZSTD_LEVEL),
      decompress: (data, limitBytes) => inflateSpans('zstd', data, zstdFrames(data), limitBytes,
        (frame, bound) => p.zstdDecompress(frame, Math.max(bound, 1))),
    },
  ];
}

for (const codec of codecsOn(platform)) registerCodec(codec);
