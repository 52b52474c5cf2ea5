import { describe, expect, it } from 'vitest';
import { pb } from '../../../proto/messages.js';
import { topicConfigFromWire, topicConfigToWire, topicPartitionsFromWire, topicPartitionsToWire } from '../../../broker/ws/codec/wire-shapes.js';

describe('topic configs on the wire', () => {
  it('reads 0 as "broker default" and keeps only what is set', () => {
    expect(topicConfigFromWire({ retentionMs: 0, segmentBytes: 4096, flushPolicy: pb.FlushPolicy.FLUSH_POLICY_NEVER }))
      .toEqual({ segmentBytes: 4096, flushPolicy: 'never' });
    expect(topicConfigFromWire(null)).toEqual({});
  });

  it('round-trips through the wire form', () => {
    const o = { retentionMs: -1, retentionBytes: 1 << 20, segmentBytes: 8192, segmentMs: 1000, flushPolicy: 'interval' as const, flushIntervalMs: 50 };
    expect(topicConfigFromWire(topicConfigToWire(o))).toEqual(o);
  });

  it('passes an unknown flush policy number on for the handler to refuse', () => {
    expect(topicConfigFromWire({ flushPolicy: 9 as never })).toEqual({ flushPolicy: '9' });
  });
});

describe('topic partitions on the wire', () => {
  it('groups by topic in sorted order and reads back flat', () => {
    const flat = [{ topic: 'b', partition: 1 }, { topic: 'a', partition: 2 }, { topic: 'a', partition: 0 }];
    const wire = topicPartitionsToWire(flat);
    expect(wire).toEqual([{ topic: 'a', partitions: [0, 2] }, { topic: 'b', partitions: [1] }]);
    expect(topicPartitionsFromWire(wire)).toEqual([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 1 }]);
    expect(topicPartitionsFromWire(null)).toEqual([]);
  });
});
