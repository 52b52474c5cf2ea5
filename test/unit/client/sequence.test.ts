import { describe, expect, it } from 'vitest';
import { encodeRecordBatch, readBatchHeader, validateBatch } from '../../../proto/record-batch.js';
import { incrementSequence, PartitionSequence, restampProducer } from '../../../client/sequence.js';
import { PRODUCER_SEQUENCE_MAX } from '../../../client/constants.js';

describe('producer sequences', () => {
  it('advance by the record count of each batch', () => {
    const seq = new PartitionSequence();
    expect(seq.assign(3)).toBe(0);
    expect(seq.assign(100)).toBe(3);
    expect(seq.assign(1)).toBe(103);
    expect(seq.next).toBe(104);
  });

  it('wrap from int32 max to 0 as Kafka\'s incrementSequence does', () => {
    expect(incrementSequence(PRODUCER_SEQUENCE_MAX, 1)).toBe(0);
    expect(incrementSequence(PRODUCER_SEQUENCE_MAX - 1, 1)).toBe(PRODUCER_SEQUENCE_MAX);
    expect(incrementSequence(PRODUCER_SEQUENCE_MAX - 2, 5)).toBe(2);
    expect(incrementSequence(0, PRODUCER_SEQUENCE_MAX)).toBe(PRODUCER_SEQUENCE_MAX);
    const seq = new PartitionSequence();
    seq.next = PRODUCER_SEQUENCE_MAX - 1;
    expect(seq.assign(4)).toBe(PRODUCER_SEQUENCE_MAX - 1);
    expect(seq.next).toBe(2);
  });

  it('agree with modular arithmetic over 2^31 everywhere', () => {
    for (let i = 0; i < 1000; i++) {
      const s = Math.floor(Math.random() * (PRODUCER_SEQUENCE_MAX + 1));
      const inc = Math.floor(Math.random() * 1_000_000);
      expect(incrementSequence(s, inc)).toBe((s + inc) % 2 ** 31);
    }
  });

  it('start again at 0 on reset (a new producer id)', () => {
    const seq = new PartitionSequence();
    seq.assign(10);
    seq.reset();
    expect(seq.assign(1)).toBe(0);
  });
});

describe('restampProducer', () => {
  it('rewrites producer id, epoch and sequence and keeps the batch valid', () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }], {
      producerId: 7, producerEpoch: 0, baseSequence: 40,
    });
    const before = Buffer.from(batch);
    restampProducer(batch, 123_456_789_012, 3, 0);
    expect(validateBatch(batch)).toBe(batch.length);
    const h = readBatchHeader(batch);
    expect([h.producerId, h.producerEpoch, h.baseSequence, h.recordsCount]).toEqual([123_456_789_012, 3, 0, 2]);
    // Records untouched.
    expect(batch.subarray(61).equals(before.subarray(61))).toBe(true);
  });
});
