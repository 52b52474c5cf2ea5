import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UnknownTopicError } from '../../../proto/errors.js';
import { murmur2, partitionForKey, StickyPartitioner, toPositive } from '../../../client/partitioner.js';

// kafkajs's port of Kafka's Utils.murmur2 (a dev dependency), used as an independent oracle.
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

describe('murmur2', () => {
  it('matches the vectors of Kafka\'s UtilsTest.testMurmur2', () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });

  it('agrees with kafkajs on random keys of every tail length, including high bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
      expect(murmur2(bytes)).toBe(kafkajsMurmur2(Buffer.from(bytes)));
    }), { numRuns: 2000 });
  });

  it('clears only the sign bit in toPositive, so int32 min maps to 0', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(12345)).toBe(12345);
  });

  it('places keys like Kafka\'s default partitioner', () => {
    // toPositive(-973932308) % 10 computed by hand: 1173551340 % 10 = 0.
    expect(partitionForKey(Buffer.from('21'), 10)).toBe(toPositive(-973932308) % 10);
    for (let i = 0; i < 200; i++) {
      const key = Buffer.from(`key-${i}`);
      expect(partitionForKey(key, 7)).toBe((kafkajsMurmur2(key) & 0x7fffffff) % 7);
    }
  });
});

describe('StickyPartitioner', () => {
  it('lets an explicit partition win over the key', () => {
    const p = new StickyPartitioner();
    expect(p.partition('t', 8, Buffer.from('21'), 5)).toBe(5);
  });

  it('rejects an explicit partition the topic does not have', () => {
    const p = new StickyPartitioner();
    expect(() => p.partition('t', 3, null, 3)).toThrow(UnknownTopicError);
    expect(() => p.partition('t', 3, null, -1)).toThrow(UnknownTopicError);
    expect(() => p.partition('t', 3, null, 1.5)).toThrow(UnknownTopicError);
  });

  it('hashes keyed records regardless of the sticky partition', () => {
    const p = new StickyPartitioner();
    const key = Buffer.from('foobar');
    expect(p.partition('t', 12, key, undefined)).toBe(partitionForKey(key, 12));
  });

  it('keeps records without key on one partition until its batch is closed, then moves to another', () => {
    const p = new StickyPartitioner();
    const first = p.partition('t', 6, null, undefined);
    for (let i = 0; i < 100; i++) expect(p.partition('t', 6, null, undefined)).toBe(first);
    p.onBatchClosed('t', (first + 1) % 6, 6); // another partition's batch: no change
    expect(p.partition('t', 6, null, undefined)).toBe(first);
    p.onBatchClosed('t', first, 6);
    const second = p.partition('t', 6, null, undefined);
    expect(second).not.toBe(first);
  });

  it('spreads sticky choices over every partition over many batches', () => {
    const p = new StickyPartitioner();
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const part = p.partition('t', 5, null, undefined);
      seen.add(part);
      p.onBatchClosed('t', part, 5);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps a sticky partition per topic and handles single-partition topics', () => {
    const p = new StickyPartitioner(() => 0.99);
    expect(p.partition('a', 1, null, undefined)).toBe(0);
    p.onBatchClosed('a', 0, 1);
    expect(p.partition('a', 1, null, undefined)).toBe(0);
    expect(p.partition('b', 4, null, undefined)).toBe(3);
  });
});
