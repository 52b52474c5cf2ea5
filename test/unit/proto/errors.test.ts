import { describe, expect, it } from 'vitest';
import {
  ERROR_TABLE, ErrorCode, errorFromWire, errorToWire, NotEnoughSpaceError, OffsetOutOfRangeError, StrataError,
  UnknownTopicError,
} from '../../../proto/errors.js';

describe('error table', () => {
  it('has an entry for every code but NONE, with unique names', () => {
    const codes = Object.values(ErrorCode).filter((c) => c !== ErrorCode.NONE);
    for (const code of codes) expect(ERROR_TABLE[code], `code ${code}`).toBeDefined();
    const names = codes.map((c) => ERROR_TABLE[c]!.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('round-trips every code through the wire form into the same class', () => {
    for (const code of Object.values(ErrorCode)) {
      if (code === ErrorCode.NONE) continue;
      const original = errorFromWire({ code, message: 'm' });
      const back = errorFromWire(errorToWire(original));
      expect(back).toBeInstanceOf(StrataError);
      expect(back.constructor).toBe(original.constructor);
      expect(back.name).toBe(ERROR_TABLE[code]!.name);
      expect(back.retriable).toBe(ERROR_TABLE[code]!.retriable);
      expect(back.code).toBe(code);
    }
  });

  it('maps classes and retriable flags as documented', () => {
    expect(new UnknownTopicError().retriable).toBe(false);
    expect(new NotEnoughSpaceError().retriable).toBe(true);
    expect(errorFromWire({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })).toBeInstanceOf(UnknownTopicError);
  });

  it('rebuilds OffsetOutOfRangeError with its range', () => {
    const err = errorFromWire({ code: ErrorCode.OFFSET_OUT_OF_RANGE }, {
      topic: 't', partition: 3, offset: 99, range: { logStartOffset: 10, logEndOffset: 50 },
    }) as OffsetOutOfRangeError;
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect([err.topic, err.partition, err.offset, err.logStartOffset, err.logEndOffset]).toEqual(['t', 3, 99, 10, 50]);
    expect(err.message).toContain('[10, 50]');
  });

  it('hides the details of unexpected errors on the wire', () => {
    const wire = errorToWire(new Error('secret path /etc/x'));
    expect(wire.code).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(wire.message).not.toContain('secret');
  });

  it('keeps the code of an error this build does not know', () => {
    const err = errorFromWire({ code: 999, message: 'from the future' });
    expect(err.code).toBe(999);
    expect(err.message).toBe('from the future');
  });
});
