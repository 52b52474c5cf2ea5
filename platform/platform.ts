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

export interface Platform extends PlatformBytes, PlatformRuntime {
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

/**
 * The bytes and text primitives of one runtime. Shared code holds bytes as Uint8Array; on Node
 * these return Buffers (a Uint8Array subclass), so records reach Node applications as Buffers
 * as before and Node's native UTF-8 paths stay in use.
 */
export interface PlatformBytes {
  /** `size` uninitialised bytes; on Node from Buffer's small-allocation pool. */
  allocBytes(size: number): Uint8Array;
  /** `size` uninitialised bytes of their own (not pooled), for buffers that are recycled. */
  allocBytesSlow(size: number): Uint8Array;
  /** The same memory as the runtime's preferred byte type (no copy). */
  viewBytes(data: Uint8Array): Uint8Array;
  /** One array holding the chunks in order. */
  concatBytes(chunks: readonly Uint8Array[]): Uint8Array;
  /** UTF-8 length of `text` in bytes. */
  utf8Length(text: string): number;
  utf8Encode(text: string): Uint8Array;
  /** Writes `text` as UTF-8 at `pos` (the caller sized `buf` with utf8Length); returns bytes written. */
  utf8Write(buf: Uint8Array, text: string, pos: number): number;
  utf8Decode(buf: Uint8Array, start: number, end: number): string;
}

/** What differs in the rest of the runtime: checksums, timers, the WebSocket. */
export interface PlatformRuntime {
  /**
   * A native CRC32C when one loads (Node: @node-rs/crc32); undefined otherwise, and then
   * proto/crc32c.ts uses its pure-JS implementation.
   */
  readonly crc32cNative: ((data: Uint8Array, initial?: number) => number) | undefined;
  /** Lets the process exit while `timer` is pending (Node); a no-op where timers never hold a process. */
  unrefTimer(timer: unknown): void;
  /** The default WebSocket factory: `ws` on Node, the page's WebSocket in a browser. */
  readonly socketFactory: PlatformSocketFactory;
}

/** Callbacks a socket reports to (see client/socket.ts for the contract). */
export interface PlatformSocketHandlers {
  onOpen(): void;
  /** One whole binary frame. */
  onMessage(frame: Uint8Array): void;
  /** The socket is gone; `error` is the failure that closed it, if any. */
  onClose(code: number, reason: string, error?: Error): void;
}

/** What the connection needs from a WebSocket (see client/socket.ts). */
export interface PlatformSocket {
  send(frame: Uint8Array, onWritten?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  readonly bufferedBytes: number;
}

/** TLS of a wss:// socket (client/tls-options.ts); only Node applies it, a browser has its own. */
export interface PlatformTlsOptions {
  readonly ca?: Array<string | Uint8Array>;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export type PlatformSocketFactory = (url: string, handlers: PlatformSocketHandlers,
  options: { maxPayloadBytes?: number; tls?: PlatformTlsOptions }) => PlatformSocket;
