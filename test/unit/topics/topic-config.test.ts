import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../proto/errors.js';
import { pb } from '../../../proto/messages.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { effectiveLogConfig, overridesFromWire, overridesToWire } from '../../../broker/topics/topic-config.js';

describe('topic config overrides', () => {
  it('reads 0 as "broker default" and keeps only what is set', () => {
    expect(overridesFromWire({ retentionMs: 0, segmentBytes: 4096, flushPolicy: pb.FlushPolicy.FLUSH_POLICY_NEVER }))
      .toEqual({ segmentBytes: 4096, flushPolicy: 'never' });
    expect(overridesFromWire(null)).toEqual({});
  });

  it('round-trips through the wire form', () => {
    const o = { retentionMs: -1, retentionBytes: 1 << 20, segmentBytes: 8192, segmentMs: 1000, flushPolicy: 'interval' as const, flushIntervalMs: 50 };
    expect(overridesFromWire(overridesToWire(o))).toEqual(o);
  });

  it('merges overrides over broker defaults', () => {
    const merged = effectiveLogConfig(DEFAULT_LOG_CONFIG, { segmentBytes: 4096, flushPolicy: 'never' }, 't');
    expect(merged).toEqual({ ...DEFAULT_LOG_CONFIG, segmentBytes: 4096, flushPolicy: 'never' });
  });

  it.each([
    ['a tiny segment', { segmentBytes: 1 }],
    ['a negative retention other than -1', { retentionMs: -7 }],
    ['a negative retention size other than -1', { retentionBytes: -2 }],
    ['a fractional flush interval', { flushIntervalMs: 1.5 }],
  ])('refuses %s', (_what, overrides) => {
    expect(() => effectiveLogConfig(DEFAULT_LOG_CONFIG, overrides, 't')).toThrow(InvalidConfigError);
  });

  it('refuses an unknown flush policy number', () => {
    expect(() => overridesFromWire({ flushPolicy: 9 as never })).toThrow(InvalidConfigError);
  });
});
