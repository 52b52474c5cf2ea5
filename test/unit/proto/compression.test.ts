import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { platform as nodePlatform } from '../../../platform/node.js';
import { platform as browserPlatform } from '../../../platform/browser.js';
import {
  codecFor, codecsOn, COMPRESSION_NAMES, compressionId, type CompressionCodec, type CompressionName,
} from '../../../proto/compression.js';
import { lz4Frames, snappyBlocks, zstdFrames } from '../../../proto/compression-frames.js';
import { InvalidRecordBatchError, MessageTooLargeError } from '../../../proto/errors.js';
import { decodeRecordBatch, validateBatches } from '../../../proto/record-batch.js';
import { GOLDEN, LIBRDKAFKA_BATCHES, LIBRDKAFKA_RECORDS, PLAINTEXT } from './fixtures/compression-golden.js';

const LIMIT = 1 << 20;
const text = new TextEncoder();
const plain = text.encode(PLAINTEXT);

const byName = (codecs: CompressionCodec[]) => new Map(codecs.map((c) => [c.name, c]));
const onNode = byName(codecsOn(nodePlatform));
const onBrowser = byName(codecsOn(browserPlatform));

/** Inputs that exercise block edges: tiny, one block exactly, one over, many, incompressible. */
function samples(): Uint8Array[] {
  const repetitive = text.encode('strata '.repeat(40_000));
  return [
    text.encode('x'),
    text.encode('hello world'),
    repetitive.subarray(0, 64 * 1024),
    repetitive.subarray(0, 64 * 1024 + 1),
    repetitive.subarray(0, 32 * 1024 + 7),
    repetitive,
    new Uint8Array(randomBytes(200_000)),
  ];
}

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('compression codecs', () => {
  it('registers all five of Kafka\'s codec ids', () => {
    expect(COMPRESSION_NAMES.map((n) => compressionId(n))).toEqual([0, 1, 2, 3, 4]);
    for (const n of COMPRESSION_NAMES) expect(codecFor(compressionId(n)).name).toBe(n);
    expect(() => codecFor(5)).toThrow(InvalidRecordBatchError);
  });

  it('decompresses the reference tools\' output of every codec on both platforms', () => {
    for (const [file, g] of Object.entries(GOLDEN)) {
      const bytes = new Uint8Array(Buffer.from(g.base64, 'base64'));
      for (const codecs of [onNode, onBrowser]) {
        const out = codecs.get(g.codec)!.decompress(bytes, LIMIT);
        expect(Buffer.from(out).equals(Buffer.from(plain)), `${file} (${g.how})`).toBe(true);
      }
    }
  });

  it('validates and decodes whole batches librdkafka wrote with each codec', () => {
    for (const [name, base64] of Object.entries(LIBRDKAFKA_BATCHES)) {
      const batch = Buffer.from(base64, 'base64');
      expect(validateBatches(batch), name).toHaveLength(1);
      const { header, records } = decodeRecordBatch(batch);
      expect(header.attributes & 7, name).toBe(compressionId(name as CompressionName));
      expect(records.map((r) => [r.key!.toString(), r.value!.toString()]), name).toEqual(LIBRDKAFKA_RECORDS);
      const section = batch.subarray(61);
      const inflated = onBrowser.get(name as CompressionName)!.decompress(section, LIMIT);
      expect(Buffer.from(inflated).equals(Buffer.from(onNode.get(name as CompressionName)!.decompress(section, LIMIT))), name).toBe(true);
    }
  });

  it('round-trips on each platform and across them, in both directions', () => {
    for (const name of COMPRESSION_NAMES) {
      for (const data of samples()) {
        for (const [from, to] of [[onNode, onNode], [onNode, onBrowser], [onBrowser, onNode], [onBrowser, onBrowser]] as const) {
          const packed = from.get(name)!.compress(data);
          const back = to.get(name)!.decompress(packed, LIMIT);
          expect(Buffer.from(back).equals(Buffer.from(data)), `${name}, ${data.length} bytes`).toBe(true);
        }
      }
    }
  });

  it('writes snappy in xerial framing with 32 KiB chunks, as snappy-java does', () => {
    for (const codecs of [onNode, onBrowser]) {
      const packed = codecs.get('snappy')!.compress(new Uint8Array(100_000));
      expect(Buffer.from(packed.subarray(0, 16)).toString('hex')).toBe('82534e415050590000000001' + '00000001');
      expect(snappyBlocks(packed).map((b) => b.boundBytes)).toEqual([32768, 32768, 32768, 1696]);
    }
  });

  it('writes one LZ4 frame of independent blocks without checksums or content size, as Kafka\'s Java client does', () => {
    for (const codecs of [onNode, onBrowser]) {
      const packed = codecs.get('lz4')!.compress(text.encode('a'.repeat(150_000)));
      expect(Buffer.from(packed.subarray(0, 5)).toString('hex')).toBe('04224d1860'); // FLG: version 1, independent blocks
      expect(lz4Frames(packed)).toHaveLength(1);
    }
    // The browser's writer is the Java client's byte for byte: 64 KiB blocks (BD 0x40).
    expect(onBrowser.get('lz4')!.compress(plain)[5]).toBe(0x40);
  });

  it('writes frames the reference lz4 and zstd tools read back (.ci/run installs them)', () => {
    expect(hasTool('lz4') && hasTool('zstd'), 'lz4 and zstd command lines').toBe(true);
    for (const codecs of [onNode, onBrowser]) {
      for (const data of samples()) {
        for (const [name, tool] of [['lz4', 'lz4'], ['zstd', 'zstd']] as const) {
          const packed = codecs.get(name)!.compress(data);
          const out = execFileSync(tool, ['-d', '-c', '-q'], { input: packed, maxBuffer: 1 << 24 });
          expect(out.equals(Buffer.from(data)), `${name} ${data.length} bytes read by ${tool}`).toBe(true);
        }
      }
    }
  });

  it('decodes several zstd frames and skippable frames in one section', () => {
    const a = text.encode('first frame '.repeat(100));
    const b = text.encode('second frame '.repeat(100));
    const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const zstd = onNode.get('zstd')!;
    const section = Buffer.concat([zstd.compress(a), skippable, zstd.compress(b)]);
    expect(zstdFrames(section)).toHaveLength(2);
    for (const codecs of [onNode, onBrowser]) {
      expect(Buffer.from(codecs.get('zstd')!.decompress(section, LIMIT)).toString()).toBe(Buffer.concat([a, b]).toString());
    }
  });
});

describe('compression codecs on hostile input', () => {
  const bombs: Array<[CompressionName, Uint8Array]> = [
    ['gzip', onNode.get('gzip')!.compress(new Uint8Array(8 << 20))],
    ['snappy', onNode.get('snappy')!.compress(new Uint8Array(8 << 20))],
    ['lz4', onNode.get('lz4')!.compress(new Uint8Array(8 << 20))],
    ['zstd', onNode.get('zstd')!.compress(new Uint8Array(8 << 20))],
  ];

  it('refuses a section that inflates past the limit with MessageTooLargeError, on both platforms', () => {
    for (const [name, bomb] of bombs) {
      expect(bomb.length, name).toBeLessThan(1 << 20);
      for (const codecs of [onNode, onBrowser]) {
        expect(() => codecs.get(name)!.decompress(bomb, LIMIT), name).toThrow(MessageTooLargeError);
      }
    }
  });

  it('refuses from the headers alone, before inflating: raw snappy announcing 1 GiB', () => {
    const liar = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]);
    expect(() => onNode.get('snappy')!.decompress(liar, LIMIT)).toThrow(MessageTooLargeError);
  });

  it('refuses a zstd frame whose declared content size its blocks cannot hold', () => {
    // Frame header with an 8-byte content size of 2^40, then one empty raw last block.
    const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0]);
    expect(() => onNode.get('zstd')!.decompress(frame, 1 << 50)).toThrow(InvalidRecordBatchError);
  });

  it('turns truncated and corrupted sections into InvalidRecordBatchError, never a crash', () => {
    for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const good = onNode.get(name)!.compress(plain);
      const truncated = good.subarray(0, good.length >>> 1);
      const flipped = Uint8Array.from(good);
      for (let i = 20; i < flipped.length; i += 7) flipped[i]! ^= 0x5a;
      for (const codecs of [onNode, onBrowser]) {
        for (const bad of [truncated, flipped, new Uint8Array(0), new Uint8Array([1, 2, 3])]) {
          let result: Uint8Array | undefined;
          try {
            result = codecs.get(name)!.decompress(bad, LIMIT);
          } catch (err) {
            expect(err, name).toBeInstanceOf(InvalidRecordBatchError);
            continue;
          }
          // A pure-JS decoder may turn flipped bytes into other bytes without noticing; the
          // batch CRC, checked before decompression, is what catches that in practice.
          expect(Buffer.from(result).equals(Buffer.from(plain)), name).toBe(false);
        }
      }
    }
  });
});
