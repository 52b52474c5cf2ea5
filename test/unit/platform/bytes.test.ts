import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { platform as browser } from '../../../platform/browser.js';
import { platform as node } from '../../../platform/node.js';

describe.each([['node', node], ['browser', browser]] as const)('the %s platform\'s bytes and text', (_name, p) => {
  it('measures, writes and reads UTF-8 as Node does, lone surrogates included', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', minLength: 60, maxLength: 200 })), fc.constantFrom('', '\ud800', 'a\udfffb', '\ud83d\ude00', '\udc00\ud800', 'é€'), (text, surrogates) => {
      const s = text + surrogates;
      const expected = Buffer.from(s, 'utf8');
      expect(p.utf8Length(s)).toBe(expected.length);
      expect(Buffer.from(p.utf8Encode(s)).equals(expected)).toBe(true);
      const buf = p.allocBytes(expected.length + 3);
      expect(p.utf8Write(buf, s, 3)).toBe(expected.length);
      expect(Buffer.from(buf.subarray(3)).equals(expected)).toBe(true);
      expect(p.utf8Decode(buf, 3, 3 + expected.length)).toBe(expected.toString('utf8'));
    }), { numRuns: 150 });
  });

  it('decodes invalid UTF-8 as Node does (U+FFFD), short or long', () => {
    for (const bytes of [[0x61, 0xff, 0x62], [0xc3], [...Array(70).fill(0x61), 0xe2, 0x82]]) {
      const buf = Uint8Array.from(bytes);
      expect(p.utf8Decode(buf, 0, buf.length)).toBe(Buffer.from(buf).toString('utf8'));
    }
  });

  it('concatenates chunks in order and views without copying', () => {
    const joined = p.concatBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
    expect([...joined]).toEqual([1, 2, 3]);
    const plain = Uint8Array.of(9, 8, 7);
    const view = p.viewBytes(plain);
    view[0] = 1;
    expect(plain[0]).toBe(1);
  });
});

describe('what applications receive', () => {
  it('is a Buffer on Node (as before) and a plain Uint8Array in a browser', () => {
    expect(Buffer.isBuffer(node.allocBytes(4))).toBe(true);
    expect(Buffer.isBuffer(node.viewBytes(new Uint8Array(4)))).toBe(true);
    expect(Buffer.isBuffer(browser.allocBytes(4))).toBe(false);
  });
});
