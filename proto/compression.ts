/**
 * Compression codecs for the records section of a batch, by the id in attribute bits 0-2.
 * Pluggable: lz4 and zstd register here when added; until then they decode to a clear error.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { COMPRESSION_GZIP, COMPRESSION_NONE } from './constants.js';
import { InvalidRecordBatchError } from './errors.js';

export interface CompressionCodec {
  readonly id: number;
  readonly name: string;
  compress(data: Buffer): Buffer;
  /** `limitBytes` bounds the output so a small "zip bomb" cannot exhaust memory. */
  decompress(data: Buffer, limitBytes: number): Buffer;
}

const codecs = new Map<number, CompressionCodec>();

export function registerCodec(codec: CompressionCodec): void {
  codecs.set(codec.id, codec);
}

export function codecFor(id: number): CompressionCodec {
  const codec = codecs.get(id);
  if (!codec) throw new InvalidRecordBatchError(`compression codec ${id} is not supported`);
  return codec;
}

export type CompressionName = 'none' | 'gzip';

export function compressionId(name: CompressionName): number {
  return name === 'gzip' ? COMPRESSION_GZIP : COMPRESSION_NONE;
}

registerCodec({
  id: COMPRESSION_NONE,
  name: 'none',
  compress: (data) => data,
  decompress: (data) => data,
});

registerCodec({
  id: COMPRESSION_GZIP,
  name: 'gzip',
  compress: (data) => gzipSync(data),
  decompress: (data, limitBytes) => {
    try {
      return gunzipSync(data, { maxOutputLength: limitBytes });
    } catch (err) {
      throw new InvalidRecordBatchError('gzip records section failed to decompress', { cause: err });
    }
  },
});
