import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../proto/errors.js';
import {
  decodeConsumerAssignment, decodeConsumerSubscription, encodeConsumerAssignment, encodeConsumerSubscription,
} from '../../../../proto/kafka/consumer-protocol.js';

describe('consumer protocol subscriptions and assignments', () => {
  it('round-trip at every version, with the fields each version has', () => {
    for (let v = 0; v <= 3; v++) {
      const sub = decodeConsumerSubscription(encodeConsumerSubscription(v, {
        topics: ['a', 'b'], userData: Buffer.from('u'), ownedPartitions: [{ topic: 'a', partitions: [0, 2] }],
        generationId: 4, rackId: 'r1',
      }));
      expect(sub.version).toBe(v);
      expect(sub.topics).toEqual(['a', 'b']);
      expect(sub.userData).toEqual(Buffer.from('u'));
      expect(sub.ownedPartitions).toEqual(v >= 1 ? [{ topic: 'a', partitions: [0, 2] }] : []);
      expect(sub.generationId).toBe(v >= 2 ? 4 : -1);
      expect(sub.rackId).toBe(v >= 3 ? 'r1' : null);
      const asg = decodeConsumerAssignment(encodeConsumerAssignment(v, { assignedPartitions: [{ topic: 'a', partitions: [1] }] }));
      expect(asg).toEqual({ version: v, assignedPartitions: [{ topic: 'a', partitions: [1] }], userData: null });
    }
  });

  it('read a newer version with the newest known layout, ignoring what it appended', () => {
    const v3 = encodeConsumerSubscription(3, { topics: ['t'], rackId: 'x' });
    const v9 = Buffer.concat([v3, Buffer.from('future fields')]);
    v9.writeInt16BE(9, 0);
    const sub = decodeConsumerSubscription(v9);
    expect(sub.version).toBe(9);
    expect(sub.topics).toEqual(['t']);
    expect(sub.rackId).toBe('x');
  });

  it('refuse truncated or negative-version metadata with InvalidRequestError', () => {
    const good = encodeConsumerSubscription(1, { topics: ['topic'] });
    for (let n = 0; n < good.length; n++) expect(() => decodeConsumerSubscription(good.subarray(0, n))).toThrow(InvalidRequestError);
    expect(() => decodeConsumerAssignment(Buffer.from('ffff', 'hex'))).toThrow(/negative/);
  });
});
