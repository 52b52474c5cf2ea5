/**
 * The Node implementation of the platform interface (see platform.ts).
 *
 * Codecs: gzip from node:zlib; snappy and LZ4 through napi-rs bindings whose prebuilt binaries
 * come inside npm packages (`snappy`, `lz4-napi`), several times faster than pure JS, which
 * matters because the broker inflates every compressed batch it accepts to check its records;
 * zstd through `@bokuweb/zstd-wasm` (the reference C library compiled to WebAssembly, the same
 * build the browser uses). Node 20 has no zstd in zlib, and the native zstd addons on npm
 * download their binaries from GitHub at install time, which fails on machines without that
 * access. The WebAssembly module is compiled once at import (about 4 ms, top-level await).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { compressFrameSync as lz4CompressFrame, decompressFrameSync as lz4DecompressFrame } from 'lz4-napi';
import { compressSync as snappyCompressSync, uncompressSync as snappyUncompressSync } from 'snappy';
import { compress as zstdCompressWasm, decompress as zstdDecompressWasm, init as zstdInit } from '@bokuweb/zstd-wasm';
import type { Platform } from './platform.js';

/** Why zstd cannot run here, when its WebAssembly module failed to load; undefined when it runs. */
let zstdUnavailable: Error | undefined;
try {
  await zstdInit();
} catch (err) {
  zstdUnavailable = new Error('the zstd WebAssembly module failed to load', { cause: err });
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function zstdReady(): void {
  if (zstdUnavailable) throw zstdUnavailable;
}

export const platform: Platform = {
  name: 'node',
  libraries: { gzip: 'node:zlib', snappy: 'snappy (napi-rs)', lz4: 'lz4-napi (lz4_flex)', zstd: '@bokuweb/zstd-wasm' },

  gzipCompress: (data) => gzipSync(data),
  gzipDecompress: (data, limitBytes) => gunzipSync(data, { maxOutputLength: Math.max(1, limitBytes) }),

  snappyCompress: (data) => snappyCompressSync(asBuffer(data)),
  snappyDecompress: (data) => snappyUncompressSync(asBuffer(data), { asBuffer: true }) as Buffer,

  lz4FrameCompress: (data) => lz4CompressFrame(asBuffer(data)),
  lz4FrameDecompress: (data) => lz4DecompressFrame(asBuffer(data)),

  zstdCompress: (data, level) => {
    zstdReady();
    return zstdCompressWasm(asBuffer(data), level);
  },
  zstdDecompress: (data, capacityBytes) => {
    zstdReady();
    return zstdDecompressWasm(asBuffer(data), { defaultHeapSize: capacityBytes });
  },
};
