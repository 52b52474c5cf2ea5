import { describe, expect, it } from 'vitest';
import { encodeRequest } from '../../../proto/messages.js';
import { peekCorrelationId } from '../../../broker/ws/frame-peek.js';

describe('peekCorrelationId', () => {
  it('reads the correlation id the codec wrote, for any uint32', () => {
    for (const id of [1, 127, 128, 300, 65_535, 2 ** 31, 0xffff_ffff]) {
      const frame = encodeRequest({ correlationId: id, listTopics: {} });
      expect(peekCorrelationId(frame), String(id)).toBe(id);
    }
  });

  it('reads it from a frame whose rest is garbage', () => {
    expect(peekCorrelationId(Buffer.from([0x08, 0x96, 0x01, 0xff, 0xff]))).toBe(150);
  });

  it('gives up on frames that do not start with field 1', () => {
    expect(peekCorrelationId(Buffer.alloc(0))).toBeNull();
    expect(peekCorrelationId(Buffer.from([0x08]))).toBeNull(); // truncated
    expect(peekCorrelationId(Buffer.from([0x10, 0x01]))).toBeNull(); // field 2
    expect(peekCorrelationId(encodeRequest({ correlationId: 0, listTopics: {} }))).toBeNull(); // 0 is omitted
    expect(peekCorrelationId(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBeNull(); // varint too long
    expect(peekCorrelationId(Buffer.from([0x08, 0xff, 0xff]))).toBeNull(); // varint never ends
  });
});
