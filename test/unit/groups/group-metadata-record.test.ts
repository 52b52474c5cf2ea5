/**
 * The group-metadata record of the offsets log: a round trip of every field, keys and values of
 * other versions skipped (null), and malformed bytes (truncated, padded, bad flags) refused with
 * CorruptLogError.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeGroupMetadataKey, decodeGroupMetadataValue, encodeGroupMetadataKey, encodeGroupMetadataValue, type GroupMetadataValue,
} from '../../../proto/group-metadata-record.js';
import { decodeOffsetKey, encodeOffsetKey } from '../../../proto/offset-record.js';
import { CorruptLogError } from '../../../proto/errors.js';

const VALUE: GroupMetadataValue = {
  protocolType: 'consumer', generation: 7, protocolName: 'cooperative-sticky', leader: '', writtenAtMs: 1_764_000_000_123,
  members: [
    {
      memberId: 'sdk-1f2e', clientId: 'clïent', clientHost: '', sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 30_000,
      topics: ['a', 'b'], assignment: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 4_000_000_000 }],
    },
    {
      memberId: 'kcat-99', clientId: 'rdkafka', clientHost: '/127.0.0.1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 300_000,
      groupInstanceId: 'host-3', kafka: { protocolName: 'roundrobin', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 97]) },
      topics: ['a'], assignment: [],
    },
  ],
};

describe('group metadata records', () => {
  it('round-trips every field of the key and the value', () => {
    expect(decodeGroupMetadataKey(encodeGroupMetadataKey('grüppe'))).toBe('grüppe');
    expect(decodeGroupMetadataValue(encodeGroupMetadataValue(VALUE))).toEqual(VALUE);
    const empty = { ...VALUE, members: [] };
    expect(decodeGroupMetadataValue(encodeGroupMetadataValue(empty))).toEqual(empty);
  });

  it('is told apart from offset records by the key version, both ways', () => {
    const groupKey = encodeGroupMetadataKey('g');
    const offsetKey = encodeOffsetKey({ group: 'g', topic: 't', partition: 0 });
    expect(decodeOffsetKey(groupKey)).toBeNull();
    expect(decodeGroupMetadataKey(offsetKey)).toBeNull();
  });

  it('skips keys and values of versions it does not know', () => {
    const key = encodeGroupMetadataKey('g');
    key.writeUInt16BE(9, 0);
    expect(decodeGroupMetadataKey(key)).toBeNull();
    const value = encodeGroupMetadataValue(VALUE);
    value.writeUInt16BE(2, 0);
    expect(decodeGroupMetadataValue(value)).toBeNull();
  });

  it('refuses every truncation of a value, trailing bytes and unknown member flags with CorruptLogError', () => {
    const value = encodeGroupMetadataValue(VALUE);
    for (let len = 0; len < value.length; len++) {
      expect(() => decodeGroupMetadataValue(value.subarray(0, len)), `truncated to ${len}`).toThrow(CorruptLogError);
    }
    expect(() => decodeGroupMetadataValue(Buffer.concat([value, Buffer.from([0])]))).toThrow(CorruptLogError);
    const key = encodeGroupMetadataKey('group');
    expect(() => decodeGroupMetadataKey(key.subarray(0, key.length - 1))).toThrow(CorruptLogError);
    expect(() => decodeGroupMetadataKey(key.subarray(0, 1))).toThrow(CorruptLogError);
    // Member flags sit after the first member's id, client id, host and two timeouts.
    const one = encodeGroupMetadataValue({ ...VALUE, members: [{ ...VALUE.members[0]!, memberId: 'm', clientId: 'c', clientHost: '' }] });
    const flagsAt = 2 + (2 + 8) + 4 + (2 + 18) + 2 + 8 + 4 + (2 + 1) + (2 + 1) + 2 + 4 + 4;
    expect(one[flagsAt]).toBe(0);
    one[flagsAt] = 0x80;
    expect(() => decodeGroupMetadataValue(one)).toThrow(CorruptLogError);
  });

  it('refuses a member count larger than the bytes that follow, without allocating for it', () => {
    const value = encodeGroupMetadataValue({ ...VALUE, members: [] });
    value.writeUInt32BE(0xffff_ffff, value.length - 4);
    expect(() => decodeGroupMetadataValue(value)).toThrow(CorruptLogError);
  });
});
