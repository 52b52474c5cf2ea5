import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeResponse, pb } from '../../../proto/messages.js';
import { encodeFetchResponseFrame } from '../../../proto/fetch-response-frame.js';

const int64 = fc.oneof(
  fc.constant(0), fc.constant(-1), fc.constant(-2), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(Number.MIN_SAFE_INTEGER),
  fc.constant(2 ** 32), fc.constant(2 ** 32 - 1), fc.constant(-(2 ** 32)),
  fc.integer({ min: -1000, max: 1_000_000 }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
const uint32 = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const wireError = fc.record({
  code: uint32,
  name: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
  retriable: fc.boolean(),
  message: fc.oneof(fc.constant(''), fc.string({ unit: 'grapheme', maxLength: 60 })),
});
const partition = fc.record({
  partition: uint32,
  error: fc.oneof(fc.constant(null), fc.constant(undefined), wireError),
  highWatermark: int64,
  logStartOffset: int64,
  records: fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ minLength: 0, maxLength: 3000 }).map((a) => Buffer.from(a))),
}, { requiredKeys: ['partition', 'highWatermark', 'logStartOffset', 'records'] });
const topic = fc.record({ name: fc.oneof(fc.constant(''), fc.string({ unit: 'grapheme', maxLength: 30 })), partitions: fc.array(partition, { maxLength: 4 }) });
const fetchBody = fc.record({ topics: fc.array(topic, { maxLength: 4 }) });

describe('encodeFetchResponseFrame', () => {
  it('decodes to the same Response as the generic protobuf codec, and writes the same bytes', () => {
    fc.assert(fc.property(uint32, fetchBody, (correlationId, fetch) => {
      const mine = encodeFetchResponseFrame(correlationId, fetch);
      const reference = encodeResponse({ correlationId, fetch });
      // Decoded objects first (what a client sees), then the stronger byte-for-byte check.
      expect(pb.Response.decode(mine)).toEqual(pb.Response.decode(reference));
      expect(Buffer.from(mine).equals(Buffer.from(reference))).toBe(true);
    }), { numRuns: 500 });
  });

  it('writes a subscription\'s pushed batches byte for byte as the generic codec writes Response.pushed', () => {
    fc.assert(fc.property(uint32, fetchBody, (correlationId, pushed) => {
      const mine = encodeFetchResponseFrame(correlationId, pushed, undefined, 'pushed');
      const reference = encodeResponse({ correlationId, pushed });
      expect(pb.Response.decode(mine).body).toBe('pushed');
      expect(Buffer.from(mine).equals(Buffer.from(reference))).toBe(true);
    }), { numRuns: 200 });
  });

  it('keeps negative and large offsets and the error of a failed partition', () => {
    const records = Buffer.alloc(70_000, 9);
    const frame = encodeFetchResponseFrame(7, { topics: [{ name: 't', partitions: [
      { partition: 1, error: { code: 3, name: 'UnknownTopicError', retriable: true, message: 'no' }, highWatermark: -1, logStartOffset: -1, records: Buffer.alloc(0) },
      { partition: 0, error: null, highWatermark: 2 ** 40 + 5, logStartOffset: 0, records },
    ] }] });
    const res = pb.Response.decode(frame);
    expect(res.correlationId).toBe(7);
    expect(res.body).toBe('fetch');
    const [p1, p0] = res.fetch!.topics[0]!.partitions;
    expect(p1!.error).toMatchObject({ code: 3, name: 'UnknownTopicError', retriable: true, message: 'no' });
    expect(p1!.highWatermark).toBe(-1);
    expect(p1!.logStartOffset).toBe(-1);
    expect(p0!.error).toBeNull();
    expect(p0!.highWatermark).toBe(2 ** 40 + 5);
    expect(Buffer.from(p0!.records).equals(records)).toBe(true);
  });

  it('writes into the front of a larger buffer from the allocator, leaving the rest untouched', () => {
    const body = { topics: [{ name: 'orders', partitions: [{ partition: 2, highWatermark: 10, logStartOffset: 0, records: Buffer.alloc(40_000, 5) }] }] };
    const backing = Buffer.alloc(64 * 1024, 0xee);
    let asked = 0;
    const frame = encodeFetchResponseFrame(9, body, (n) => { asked = n; return backing; });
    expect(frame.length).toBe(asked);
    expect(frame.buffer).toBe(backing.buffer);
    expect(frame.equals(encodeFetchResponseFrame(9, body))).toBe(true);
    expect(backing.subarray(asked).every((b) => b === 0xee)).toBe(true);
    expect(() => encodeFetchResponseFrame(9, body, (n) => Buffer.alloc(n - 1))).toThrow(/too small/);
  });

  it('encodes an empty fetch body so that the body case is still fetch', () => {
    const res = pb.Response.decode(encodeFetchResponseFrame(0, { topics: [] }));
    expect(res.body).toBe('fetch');
    expect(res.fetch!.topics).toEqual([]);
  });
});
