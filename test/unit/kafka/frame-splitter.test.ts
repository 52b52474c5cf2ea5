import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameSplitter } from '../../../broker/kafka/frame-splitter.js';

function framed(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

describe('Kafka frame splitter', () => {
  it('yields the same frames however the stream is cut into chunks', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 8, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 50 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((b) => framed(Buffer.from(b))));
        const splitter = new FrameSplitter(1024);
        const got: Buffer[] = [];
        let pos = 0;
        let i = 0;
        while (pos < stream.length) {
          const n = cuts[i++ % cuts.length]!;
          expect(splitter.push(stream.subarray(pos, pos + n), (f) => got.push(f))).toBeNull();
          pos += n;
        }
        expect(got.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')));
        expect(splitter.bufferedBytes).toBe(0);
      }), { numRuns: 300 });
  });

  it('copies each frame out of the socket chunk, so frames never share memory with it', () => {
    const chunk = Buffer.concat([framed(Buffer.alloc(8, 1)), framed(Buffer.alloc(8, 2))]);
    const frames: Buffer[] = [];
    new FrameSplitter(1024).push(chunk, (f) => frames.push(f));
    chunk.fill(0);
    expect(frames.map((f) => f[0])).toEqual([1, 2]);
  });

  it('refuses a size prefix over the limit from its 4 bytes alone, before buffering anything', () => {
    const splitter = new FrameSplitter(1024);
    expect(splitter.push(Buffer.from([0x00, 0x00]), () => {})).toBeNull();
    expect(splitter.push(Buffer.from([0x04, 0x01]), () => {})).toEqual({ kind: 'too-large', size: 1025 });
    expect(splitter.bufferedBytes).toBe(0);
    expect(splitter.push(framed(Buffer.alloc(8)), () => { throw new Error('no frame after a lie'); })).not.toBeNull();
  });

  it('refuses negative sizes and frames too short for a request header', () => {
    expect(new FrameSplitter(1024).push(Buffer.from('ffffffff', 'hex'), () => {})).toEqual({ kind: 'too-large', size: -1 });
    expect(new FrameSplitter(1024).push(Buffer.from('00000007', 'hex'), () => {})).toEqual({ kind: 'too-small', size: 7 });
  });
});
