/**
 * What differs between the runtimes the SDK runs on, behind one interface. Shared code
 * (proto/, client/) imports the implementation as `#platform`; package.json's `imports` field
 * picks `node.ts` on Node and `browser.ts` under a bundler's `browser` condition, the way nats.js
 * keeps its core free of Node imports.
 *
 * Each implementation is a leaf: it imports libraries, never project code, so that a test
 * importing sources and a build importing dist/ see the same classes everywhere else.
 *
 * Codec primitives here know bytes only. Framing, bounds against decompression bombs and the
 * mapping to Strata errors live in proto/compression.ts, once for every runtime; primitives
 * throw plain Errors.
 */

export interface Platform {
  readonly name: 'node' | 'browser';
  /** Which library does what here, for the broker's start-up log and for tests. */
  readonly libraries: Readonly<Record<'gzip' | 'snappy' | 'lz4' | 'zstd', string>>;

  gzipCompress(data: Uint8Array): Uint8Array;
  /** Stops with an Error once more than `limitBytes` would come out. */
  gzipDecompress(data: Uint8Array, limitBytes: number): Uint8Array;

  /** One raw snappy block (varint length preamble, then tagged elements). */
  snappyCompress(data: Uint8Array): Uint8Array;
  /** One raw snappy block; the caller checked the preamble's length against its limit. */
  snappyDecompress(data: Uint8Array): Uint8Array;

  /** One LZ4 frame of independent blocks without checksums, which Kafka's Java client reads. */
  lz4FrameCompress(data: Uint8Array): Uint8Array;
  /** One LZ4 frame into at most `capacityBytes` (the caller's bound from the block headers). */
  lz4FrameDecompress(data: Uint8Array, capacityBytes: number): Uint8Array;

  /** One zstd frame at `level`. */
  zstdCompress(data: Uint8Array, level: number): Uint8Array;
  /** zstd frames into at most `capacityBytes` (the caller's bound from the block headers). */
  zstdDecompress(data: Uint8Array, capacityBytes: number): Uint8Array;
}
