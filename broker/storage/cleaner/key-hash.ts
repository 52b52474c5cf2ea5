/**
 * MurmurHash3 x86_128 (Austin Appleby's public-domain function), written for V8: 32-bit
 * multiplies (Math.imul), no allocation per call. The cleaner's offset map identifies a key by
 * 96 of these bits and places it by the other 32, so it never stores keys.
 *
 * Why not MD5 (Kafka's choice, node:crypto): one crypto call per record costs ~1 us, which at
 * a million records a second would be the cleaner's whole budget; this costs ~0.1 us for short
 * keys. It is not a cryptographic hash, so each cleaning pass draws a random seed: a producer
 * cannot compute keys that collide with another key (a collision could make the cleaner drop
 * the older key's latest record), and an accidental collision among n keys has probability
 * about n^2 / 2^97 (1e-17 for a million keys).
 *
 * Concurrency: pure; `out` is the caller's.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function u32le(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Little-endian word of the tail bytes [from, min(from + 4, rest)) after `t`. */
function tailWord(b: Uint8Array, t: number, from: number, rest: number): number {
  let k = 0;
  for (let j = Math.min(from + 4, rest) - 1; j >= from; j--) k |= b[t + j]! << ((j - from) * 8);
  return k;
}

/** Writes the four 32-bit words h1..h4 of `data[start, start + length)` hashed with `seed` into `out`. */
export function murmur3x86128(data: Uint8Array, start: number, length: number, seed: number, out: Uint32Array): void {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocksEnd = start + (length & ~15);
  for (let i = start; i < blocksEnd; i += 16) {
    let k1 = u32le(data, i);
    let k2 = u32le(data, i + 4);
    let k3 = u32le(data, i + 8);
    let k4 = u32le(data, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const t = blocksEnd;
  const rest = length & 15;
  if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(tailWord(data, t, 12, rest), C4), 18), C1);
  if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(tailWord(data, t, 8, rest), C3), 17), C4);
  if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(tailWord(data, t, 4, rest), C2), 16), C3);
  if (rest > 0) h1 ^= Math.imul(rotl(Math.imul(tailWord(data, t, 0, rest), C1), 15), C2);
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}
