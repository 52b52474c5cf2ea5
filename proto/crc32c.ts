/**
 * CRC32C (Castagnoli), the checksum of RecordBatch v2. The broker checks every batch it
 * accepts, so this must be fast: `@node-rs/crc32` (prebuilt SIMD, ~5.5 GB/s measured here) is
 * used on Node when it loads (see platform/node.ts); otherwise, and in browsers, a slicing-by-8
 * pure-JS table implementation (~1.5 GB/s).
 */
import { platform } from '#platform';

type Crc32cFn = (data: Uint8Array, initial?: number) => number;

const TABLES = makeTables();

function makeTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const base = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    base[i] = c >>> 0;
  }
  tables.push(base);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const next = new Uint32Array(256);
    for (let i = 0; i < 256; i++) next[i] = (prev[i]! >>> 8) ^ base[prev[i]! & 0xff]!;
    tables.push(next);
  }
  return tables;
}

/** Pure-JS CRC32C, slicing by 8. Exported for tests that compare it with the native one. */
export function crc32cJs(data: Uint8Array, initial = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = ~initial >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc;
    crc = t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]!
      ^ t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) crc = t0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = platform.crc32cNative;

/** Which implementation runs: reported by the broker at start-up and in the README. */
export const CRC32C_IMPLEMENTATION: 'native (@node-rs/crc32)' | 'pure-js' = native ? 'native (@node-rs/crc32)' : 'pure-js';

/** CRC32C of `data`, as an unsigned 32-bit integer. */
export const crc32c: Crc32cFn = native ?? crc32cJs;
