// Declarations for the pure-JS codec libraries the browser platform uses; they ship no types.

declare module 'snappyjs' {
  export function compress(data: Uint8Array): Uint8Array;
  /** Throws when the preamble announces more than `maxLength` bytes. */
  export function uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}

declare module 'lz4js' {
  /** Compresses src[sIndex, sIndex+sLength) as one raw LZ4 block into dst from 0; returns its size, 0 if incompressible. */
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  /** Decompresses the raw LZ4 block src[sIndex, sIndex+sLength) into dst from dIndex; returns the end position in dst. */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
}

declare module 'lz4js/xxh32.js' {
  export function hash(seed: number, src: Uint8Array, index: number, length: number): number;
}

/** The zstd WebAssembly binary, inlined into the browser bundle by scripts/build-browser.mjs. */
declare module 'strata:zstd-wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
