import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../proto/errors.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { effectiveLogConfig } from '../../../broker/topics/topic-config.js';

describe('topic config overrides', () => {
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
});
