import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  readInt8, readInt16BE, readInt32BE, readUInt16BE, readUInt32BE, writeInt8, writeInt16BE, writeInt32BE, writeUInt32BE,
} from '../../../proto/bytes.js';

// Oracle: Node's Buffer methods, which the shared code used before it became platform-neutral.
describe('big-endian byte access on plain Uint8Arrays', () => {
  it('reads what Buffer reads at any position', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }), fc.nat(), (bytes, at) => {
      const pos = at % (bytes.length - 3);
      const b = Buffer.from(bytes);
      const plain = new Uint8Array(bytes);
      expect(readInt8(plain, pos)).toBe(b.readInt8(pos));
      expect(readInt16BE(plain, pos)).toBe(b.readInt16BE(pos));
      expect(readUInt16BE(plain, pos)).toBe(b.readUInt16BE(pos));
      expect(readInt32BE(plain, pos)).toBe(b.readInt32BE(pos));
      expect(readUInt32BE(plain, pos)).toBe(b.readUInt32BE(pos));
    }));
  });

  it('writes the bytes Buffer writes, signed and unsigned', () => {
    fc.assert(fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.nat({ max: 0xffff_ffff }),
      fc.integer({ min: -0x8000, max: 0x7fff }), fc.integer({ min: -128, max: 127 }), (i32, u32, i16, i8) => {
        const ours = new Uint8Array(11);
        const theirs = Buffer.alloc(11);
        writeInt32BE(ours, i32, 0); theirs.writeInt32BE(i32, 0);
        writeUInt32BE(ours, u32, 4); theirs.writeUInt32BE(u32, 4);
        writeInt16BE(ours, i16, 8); theirs.writeInt16BE(i16, 8);
        writeInt8(ours, i8, 10); theirs.writeInt8(i8, 10);
        expect(Buffer.from(ours).equals(theirs)).toBe(true);
      }));
  });
});
