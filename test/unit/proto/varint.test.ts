import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRecordBatchError } from '../../../proto/errors.js';
import { readVarint, varintSize, writeVarint } from '../../../proto/varint.js';

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
});
