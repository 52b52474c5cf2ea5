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
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { TLS_REFUSAL_HEADER } from '../proto/tls-refusal.js';
import type { Platform, PlatformSocketFactory, PlatformTlsOptions } from './platform.js';

/** Error code of a client certificate the broker refused (client/tls-options.ts types it). */
const TLS_CLIENT_CERT_REFUSED_CODE = 'ERR_STRATA_TLS_CLIENT_CERT_REFUSED';

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

/**
 * `@node-rs/crc32` (prebuilt SIMD, ~5.5 GB/s measured here, against ~1.5 GB/s for the pure-JS
 * slicing-by-8 in proto/crc32c.ts). STRATA_CRC32C=js forces the pure-JS one (tests compare them).
 */
function loadCrc32c(): ((data: Uint8Array, initial?: number) => number) | undefined {
  if (process.env.STRATA_CRC32C === 'js') return undefined;
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (d: Buffer, init?: number) => number };
    const native = mod.crc32c;
    // Guard against a broken binary: the standard check value of "123456789".
    if (native(Buffer.from('123456789')) !== 0xe3069283) return undefined;
    return (data, initial = 0) => native(asBuffer(data), initial) >>> 0;
  } catch {
    return undefined;
  }
}

/**
 * The `ws` package. Compression is off: record batches are either already compressed by the
 * producer or not worth the CPU at the rates this SDK targets.
 *
 * Client frames carry an all-zero mask. RFC 6455 masking protects proxies from frames whose
 * bytes are chosen by untrusted script in a browser; a Node process is not that attacker, and
 * with a zero mask `ws` writes each frame without copying and XOR-ing it (a measured ~10% of a
 * producer's CPU). The frames stay valid: the mask is present, just zero.
 */
const wsSocketFactory: PlatformSocketFactory = (url, handlers, options) => {
  // TLS options reach tls.connect for wss:// URLs (ignored for ws://).
  const ws = new WebSocket(url, {
    perMessageDeflate: false, maxPayload: options.maxPayloadBytes, generateMask: zeroMask, ...nodeTlsOptions(options.tls),
  });
  ws.binaryType = 'nodebuffer';
  let lastError: Error | undefined;
  let closed = false;
  ws.on('open', () => { if (!closed) handlers.onOpen(); });
  ws.on('message', (data, isBinary) => {
    if (closed || !isBinary) return;
    // With binaryType 'nodebuffer' a message is one Buffer (or, for fragmented frames, a list).
    handlers.onMessage(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
  });
  // ws emits 'error' then 'close'; remember the error so onClose can report why.
  ws.on('error', (err) => { lastError ??= err; });
  // A refused upgrade. The message stays ws's own ("Unexpected server response: 503"); a
  // refused TLS client certificate (proto/tls-refusal.ts) gets the code the SDK types.
  ws.on('unexpected-response', (_req, res) => {
    const refusal = res.headers[TLS_REFUSAL_HEADER];
    lastError = refusal === undefined
      ? new Error(`Unexpected server response: ${res.statusCode ?? 0}`)
      : Object.assign(new Error(`the broker refused the client certificate: ${String(refusal)}`), { code: TLS_CLIENT_CERT_REFUSED_CODE });
    res.resume();
    ws.terminate();
  });
  ws.on('close', (code, reason) => {
    if (closed) return;
    closed = true;
    handlers.onClose(code, reason.toString('utf8'), lastError);
  });
  return {
    send(frame, onWritten) {
      if (ws.readyState !== WebSocket.OPEN) {
        onWritten?.(new Error(`socket is not open (readyState ${ws.readyState})`));
        return;
      }
      ws.send(frame, { binary: true }, onWritten);
    },
    close(code, reason) { ws.close(code, reason); },
    terminate() { ws.terminate(); },
    get bufferedBytes() { return ws.bufferedAmount; },
  };
};

/** The SDK's TLS options in the Buffer form tls.connect types them with. */
function nodeTlsOptions(tls: PlatformTlsOptions | undefined): Record<string, unknown> {
  if (!tls) return {};
  const pem = (v: string | Uint8Array): string | Buffer => (typeof v === 'string' ? v : asBuffer(v));
  return {
    ...(tls.ca ? { ca: tls.ca.map(pem) } : {}),
    ...(tls.cert !== undefined ? { cert: pem(tls.cert) } : {}),
    ...(tls.key !== undefined ? { key: pem(tls.key) } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

export const platform: Platform = {
  name: 'node',

  // Bytes are Buffers so that applications get Buffers, and UTF-8 goes through Node's native
  // paths (Buffer.byteLength and latin1/utf8 writes are faster than TextEncoder for short keys).
  allocBytes: (size) => Buffer.allocUnsafe(size),
  allocBytesSlow: (size) => Buffer.allocUnsafeSlow(size),
  viewBytes: asBuffer,
  concatBytes: (chunks) => Buffer.concat(chunks as Uint8Array[]),
  utf8Length: (text) => Buffer.byteLength(text, 'utf8'),
  utf8Encode: (text) => Buffer.from(text, 'utf8'),
  utf8Write: (buf, text, pos) => asBuffer(buf).write(text, pos, 'utf8'),
  utf8Decode: (buf, start, end) => asBuffer(buf).toString('utf8', start, end),

  crc32cNative: loadCrc32c(),
  unrefTimer: (timer) => { (timer as { unref?: () => void }).unref?.(); },
  socketFactory: wsSocketFactory,

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
