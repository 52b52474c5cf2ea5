import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeRequest, encodeRequest } from '../../../proto/messages.js';
import { BufferPool } from '../../../proto/buffer-pool.js';
import { encodeProduceFrame, PRODUCE_FRAME_HEADROOM_BYTES } from '../../../client/produce-frame.js';

describe('encodeProduceFrame', () => {
  it('writes the same bytes as the generic protobuf codec, zero fields included', () => {
    const partition = fc.record({
      partition: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })),
      records: fc.uint8Array({ minLength: 0, maxLength: 3000 }),
    });
    const topic = fc.record({ name: fc.string({ maxLength: 30 }), partitions: fc.array(partition, { maxLength: 4 }) });
    fc.assert(fc.property(
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 32 - 1 })),
      fc.constantFrom(0, 1, 2),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300_000 })),
      fc.array(topic, { maxLength: 4 }),
      fc.boolean(),
      (correlationId, acks, timeoutMs, topics, pooled) => {
        const { frame } = encodeProduceFrame(correlationId, acks, timeoutMs, topics, pooled ? new BufferPool(1 << 20) : null);
        const reference = encodeRequest({ correlationId, produce: { acks, timeoutMs, topics } });
        expect(Buffer.from(frame).equals(Buffer.from(reference))).toBe(true);
      },
    ), { numRuns: 300 });
  });

  it('round-trips a large batch through the broker-side decoder', () => {
    const records = Buffer.alloc(1_048_000, 7);
    const { frame, backing } = encodeProduceFrame(42, 0, 30_000, [{ name: 'orders', partitions: [{ partition: 3, records }] }], new BufferPool(8 << 20));
    expect(backing!.length).toBeGreaterThanOrEqual(frame.length);
    const req = decodeRequest(frame);
    expect(req.correlationId).toBe(42);
    expect(req.produce!.topics![0]!.partitions![0]!.partition).toBe(3);
    expect(Buffer.from(req.produce!.topics![0]!.partitions![0]!.records!).equals(records)).toBe(true);
  });
});

describe('encodeProduceFrame in place', () => {
  it('writes a lone batch\'s envelope into the room before it, byte-identical to the copying encoder', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.constantFrom(0, 1, 2),
      fc.integer({ min: 0, max: 300_000 }),
      fc.stringMatching(/^[a-zA-Z0-9._-]{1,249}$/),
      fc.integer({ min: 0, max: 20_000 }),
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      (correlationId, acks, timeoutMs, name, partition, bytes) => {
        const backing = Buffer.alloc(PRODUCE_FRAME_HEADROOM_BYTES + bytes.length + 16, 0xee);
        const records = backing.subarray(PRODUCE_FRAME_HEADROOM_BYTES, PRODUCE_FRAME_HEADROOM_BYTES + bytes.length);
        records.set(bytes);
        const topics = [{ name, partitions: [{ partition, records }] }];
        const { frame, backing: pooled } = encodeProduceFrame(correlationId, acks, timeoutMs, topics, null, backing);
        expect(pooled).toBeNull();
        expect(frame.buffer).toBe(backing.buffer);
        expect(frame.byteOffset + frame.length).toBe(records.byteOffset + records.length);
        const reference = encodeRequest({ correlationId, produce: { acks, timeoutMs, topics: [{ name, partitions: [{ partition, records: bytes }] }] } });
        expect(Buffer.from(frame).equals(Buffer.from(reference))).toBe(true);
        // The batch itself and the bytes after it are untouched.
        expect(Buffer.from(records).equals(Buffer.from(bytes))).toBe(true);
        expect(backing.subarray(records.byteOffset + records.length).every((b) => b === 0xee)).toBe(true);
      },
    ), { numRuns: 200 });
  });

  it('copies when the room is too small, several batches share the request, or the batch is elsewhere', () => {
    const backing = Buffer.alloc(1000, 1);
    const tight = backing.subarray(10, 500);
    const elsewhere = Buffer.alloc(100, 2);
    const cases = [
      [{ name: 'topic', partitions: [{ partition: 1, records: tight }] }],
      [{ name: 'topic', partitions: [{ partition: 1, records: backing.subarray(400, 500) }, { partition: 2, records: backing.subarray(600, 700) }] }],
      [{ name: 'topic', partitions: [{ partition: 1, records: elsewhere }] }],
    ];
    for (const topics of cases) {
      const before = Buffer.from(backing);
      const { frame } = encodeProduceFrame(7, 0, 1000, topics, null, backing);
      expect(frame.buffer).not.toBe(backing.buffer);
      expect(backing.equals(before)).toBe(true);
      expect(Buffer.from(frame).equals(Buffer.from(encodeRequest({ correlationId: 7, produce: { acks: 0, timeoutMs: 1000, topics } })))).toBe(true);
    }
  });
});

describe('BufferPool', () => {
  it('hands out buffers of at least the size asked, in quarter-step classes', () => {
    const pool = new BufferPool(1 << 24);
    for (const n of [1, 16 * 1024, 16 * 1024 + 1, 100_000, 1 << 20, (1 << 20) + 100]) {
      const b = pool.acquire(n);
      expect(b.length).toBeGreaterThanOrEqual(n);
      expect(b.length).toBeLessThanOrEqual(Math.max(16 * 1024, n * 1.25));
    }
  });

  it('reuses released buffers and keeps no more than its bound', () => {
    const pool = new BufferPool(3 << 20);
    const a = pool.acquire(1 << 20);
    pool.release(a);
    expect(pool.acquire(1 << 20)).toBe(a);
    const bufs = [pool.acquire(1 << 20), pool.acquire(1 << 20), pool.acquire(1 << 20), pool.acquire(1 << 20)];
    for (const b of bufs) pool.release(b);
    expect(pool.pooledBytesNow).toBe(3 << 20);
  });

  it('refuses buffers it did not hand out', () => {
    expect(() => new BufferPool(1 << 20).release(Buffer.alloc(20_000))).toThrow();
  });
});
