/**
 * The cleaner's key hash is MurmurHash3 x86_128: published test vectors (the same as the
 * murmurhash3js library and SMHasher's reference), seeds that change the result, and offsets
 * into a larger buffer that hash like a standalone key.
 */
import { describe, expect, it } from 'vitest';
import { murmur3x86128 } from '../../../broker/storage/cleaner/key-hash.js';

function hex(data: Buffer, seed = 0, start = 0, length = data.length): string {
  const out = new Uint32Array(4);
  murmur3x86128(data, start, length, seed, out);
  return [...out].map((x) => x.toString(16).padStart(8, '0')).join('');
}

describe('murmur3x86128', () => {
  it('matches the reference vectors', () => {
    expect(hex(Buffer.alloc(0))).toBe('0'.repeat(32));
    expect(hex(Buffer.from('0'))).toBe('0ab2409ea5eb34f8a5eb34f8a5eb34f8');
    expect(hex(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe('2f1583c3ecee2c675d7bf66ce5e91d2c');
  });

  it('depends on the seed and hashes a slice like a copy of it', () => {
    const key = Buffer.from('user-1234567890-abc');
    expect(hex(key, 1)).not.toBe(hex(key, 2));
    const framed = Buffer.concat([Buffer.from('xx'), key, Buffer.from('yyy')]);
    for (const seed of [0, 7, 0x7fffffff]) expect(hex(framed, seed, 2, key.length)).toBe(hex(key, seed));
  });

  it('spreads 20k sequential keys over their low bits without a single collision of 128 bits', () => {
    const seen = new Set<string>();
    const buckets = new Uint32Array(256);
    const out = new Uint32Array(4);
    for (let i = 0; i < 20_000; i++) {
      const key = Buffer.from(`key-${i}`);
      murmur3x86128(key, 0, key.length, 42, out);
      seen.add(`${out[0]},${out[1]},${out[2]},${out[3]}`);
      buckets[out[3]! % 256]!++;
    }
    expect(seen.size).toBe(20_000);
    // ~78 per bucket; a poor hash of sequential keys piles them into a few.
    expect(Math.max(...buckets)).toBeLessThan(125);
  });
});
