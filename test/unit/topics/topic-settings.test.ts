import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../broker/storage/log-config.js';
import { effectiveLogConfig } from '../../../broker/topics/topic-config.js';
import { alterOverrides, describeTopicSettings, incrementalOverrides } from '../../../broker/topics/topic-settings.js';
import { InvalidConfigError } from '../../../proto/errors.js';

const brokerDefaults: LogConfig = { ...DEFAULT_LOG_CONFIG, retentionMs: 3_600_000 };
const brokerSet = new Set(['retentionMs']);

describe('altering topic settings', () => {
  it('sets new values, removes others back to the broker value, and keeps the rest', () => {
    const current = { segmentBytes: 4096, retentionBytes: 1000 };
    expect(alterOverrides(current, [{ name: 'cleanup.policy', value: 'compact' }], ['segment.bytes']))
      .toEqual({ retentionBytes: 1000, cleanupPolicy: 'compact' });
  });

  it('refuses a setting both set and removed, unknown names, bad values and read-only settings', () => {
    expect(() => alterOverrides({}, [{ name: 'retention.ms', value: '1' }], ['retention.ms'])).toThrow(/both set and removed/);
    expect(() => alterOverrides({}, [{ name: 'retention.nope', value: '1' }], [])).toThrow(InvalidConfigError);
    expect(() => alterOverrides({}, [], ['retention.nope'])).toThrow(InvalidConfigError);
    expect(() => alterOverrides({}, [{ name: 'segment.bytes', value: '0' }], [])).toThrow(InvalidConfigError);
    expect(() => alterOverrides({}, [], ['compression.type'])).toThrow(/cannot be changed/);
  });

  it('appends to and subtracts from cleanup.policy starting at its effective value', () => {
    const effective = effectiveLogConfig(brokerDefaults, {}, 't');
    const both = incrementalOverrides({}, effective, [{ name: 'cleanup.policy', op: 'append', value: 'compact' }]);
    expect(both).toEqual({ cleanupPolicy: 'compact,delete' });
    const compactOnly = incrementalOverrides(both, effectiveLogConfig(brokerDefaults, both, 't'),
      [{ name: 'cleanup.policy', op: 'subtract', value: 'delete' }]);
    expect(compactOnly).toEqual({ cleanupPolicy: 'compact' });
    expect(() => incrementalOverrides(compactOnly, effectiveLogConfig(brokerDefaults, compactOnly, 't'),
      [{ name: 'cleanup.policy', op: 'subtract', value: 'compact' }])).toThrow(InvalidConfigError);
    expect(() => incrementalOverrides({}, effective, [{ name: 'retention.ms', op: 'append', value: '5' }])).toThrow(/list settings only/);
    expect(incrementalOverrides({ retentionMs: 5 }, effective, [{ name: 'retention.ms', op: 'delete', value: null }])).toEqual({});
  });
});

describe('describing topic settings', () => {
  it('names the source of each value and its synonyms, most specific first', () => {
    const overrides = { segmentBytes: 4096 };
    const settings = new Map(describeTopicSettings(effectiveLogConfig(brokerDefaults, overrides, 't'), overrides, brokerSet, brokerDefaults)
      .map((s) => [s.name, s]));
    expect(settings.get('segment.bytes')).toMatchObject({
      value: '4096', source: 'topic',
      synonyms: [{ name: 'segment.bytes', value: '4096', source: 'topic' }, { name: 'log.segment.bytes', value: String(DEFAULT_LOG_CONFIG.segmentBytes), source: 'default' }],
    });
    expect(settings.get('retention.ms')).toMatchObject({
      value: '3600000', source: 'broker',
      synonyms: [{ name: 'log.retention.ms', value: '3600000', source: 'broker' }, { name: 'log.retention.ms', value: String(DEFAULT_LOG_CONFIG.retentionMs), source: 'default' }],
    });
    expect(settings.get('cleanup.policy')).toMatchObject({ value: 'delete', source: 'default', readOnly: false });
    expect(settings.get('compression.type')).toMatchObject({ value: 'producer', readOnly: true });
  });
});
