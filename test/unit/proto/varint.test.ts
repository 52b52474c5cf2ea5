import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRecordBatchError } from '../../../proto/errors.js';
import { readVarint, readVarintFast, varintSize, writeVarint } from '../../../proto/varint.js';

describe('zig-zag varints', () => {
  it('encode the known protobuf sint64 bytes', () => {
    const cases: Array<[number, string]> = [[0, '00'], [-1, '01'], [1, '02'], [-2, '03'], [63, '7e'], [-64, '7f'], [64, '8001'],
      [2 ** 31 - 1, 'feffffff0f'], [-(2 ** 31), 'ffffffff0f']];
    for (const [n, hex] of cases) {
      const buf = Buffer.alloc(10);
      const end = writeVarint(buf, n, 0);
      expect(buf.subarray(0, end).toString('hex'), `${n}`).toBe(hex);
      expect(varintSize(n)).toBe(end);
    }
  });

  // Zig-zag doubles the magnitude, so the codec's exact range is |n| < 2^52: ~140,000 years of
  // milliseconds, far beyond any timestamp delta or offset delta a batch can hold.
  it('round-trip every integer of magnitude below 2^52', () => {
    fc.assert(fc.property(fc.maxSafeInteger().map((n) => n % 2 ** 52), (n) => {
      const buf = Buffer.alloc(10);
      const end = writeVarint(buf, n, 0);
      const cur = { pos: 0 };
      expect(readVarint(buf, cur, end)).toBe(n);
      expect(cur.pos).toBe(end);
    }), { numRuns: 2000 });
  });

  it('reject truncated and over-long varints', () => {
    expect(() => readVarint(Buffer.from([0x80, 0x80]), { pos: 0 }, 2)).toThrow(InvalidRecordBatchError);
    expect(() => readVarint(Buffer.alloc(11, 0xff), { pos: 0 }, 11)).toThrow(InvalidRecordBatchError);
  });

  it('read the same with the fast reader as with readVarint, at every length and position, non-minimal and cut short', () => {
    // Non-minimal encodings (a 0x80 continuation before the last byte) are valid varints and
    // some writers produce them; the fast reader must not take them for shorter ones.
    const oracle = (buf: Uint8Array, pos: number, end: number): [number | string, number] => {
      const cur = { pos };
      try { return [readVarint(buf, cur, end), cur.pos]; } catch (err) { return [(err as Error).name, -1]; }
    };
    const fast = (buf: Uint8Array, pos: number, end: number): [number | string, number] => {
      const cur = { pos };
      try { return [readVarintFast(buf, cur, end), cur.pos]; } catch (err) { return [(err as Error).name, -1]; }
    };
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 12 }), fc.nat(12), fc.nat(12), (bytes, a, b) => {
      const buf = Buffer.from(bytes);
      const pos = Math.min(a, buf.length);
      const end = Math.min(buf.length, pos + b);
      expect(fast(buf, pos, end)).toEqual(oracle(buf, pos, end));
    }), { numRuns: 5000 });
    for (const n of [0, -1, 63, -64, 64, 8191, -8192, 8192, 2 ** 20 - 1, -(2 ** 20), 2 ** 20, 2 ** 31, -(2 ** 40)]) {
      const buf = Buffer.alloc(12);
      const end = writeVarint(buf, n, 1);
      expect(fast(buf, 1, end), `${n}`).toEqual([n, end]);
      expect(fast(buf, 1, end - 1)[0], `${n} cut short`).toBe('InvalidRecordBatchError');
    }
  });
});

