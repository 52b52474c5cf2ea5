import { describe, expect, it } from 'vitest';
import { describeTopicConfigs, overridesFromKafkaConfigs } from '../../../broker/kafka/topic-configs.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { effectiveLogConfig } from '../../../broker/topics/topic-config.js';
import { InvalidConfigError } from '../../../proto/errors.js';

describe('Kafka topic config names', () => {
  it('map Kafka settings to topic overrides, flushing included', () => {
    expect(overridesFromKafkaConfigs([
      { name: 'retention.ms', value: '60000' }, { name: 'retention.bytes', value: '-1' },
      { name: 'segment.bytes', value: '1048576' }, { name: 'segment.ms', value: '3600000' },
    ])).toEqual({ retentionMs: 60000, retentionBytes: -1, segmentBytes: 1048576, segmentMs: 3600000 });
    expect(overridesFromKafkaConfigs([{ name: 'flush.messages', value: '1' }])).toEqual({ flushPolicy: 'always' });
    expect(overridesFromKafkaConfigs([{ name: 'flush.ms', value: '250' }])).toEqual({ flushPolicy: 'interval', flushIntervalMs: 250 });
    expect(overridesFromKafkaConfigs([{ name: 'flush.messages', value: '9223372036854775807' }])).toEqual({ flushPolicy: 'never' });
    expect(overridesFromKafkaConfigs([{ name: 'cleanup.policy', value: 'delete' }])).toEqual({ cleanupPolicy: 'delete' });
    expect(overridesFromKafkaConfigs([
      { name: 'cleanup.policy', value: 'delete, compact' }, { name: 'min.cleanable.dirty.ratio', value: '0.25' },
      { name: 'min.compaction.lag.ms', value: '0' }, { name: 'max.compaction.lag.ms', value: '9223372036854775807' },
      { name: 'delete.retention.ms', value: '1000' },
    ])).toEqual({ cleanupPolicy: 'compact,delete', minCleanableDirtyRatio: 0.25, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER, deleteRetentionMs: 1000 });
  });

  it('refuse unknown names, non-numbers and behaviour Strata does not have', () => {
    expect(() => overridesFromKafkaConfigs([{ name: 'no.such', value: '1' }])).toThrow(InvalidConfigError);
    expect(() => overridesFromKafkaConfigs([{ name: 'retention.ms', value: 'soon' }])).toThrow(InvalidConfigError);
    expect(() => overridesFromKafkaConfigs([{ name: 'retention.ms', value: null }])).toThrow(InvalidConfigError);
    expect(() => overridesFromKafkaConfigs([{ name: 'cleanup.policy', value: 'shred' }])).toThrow(InvalidConfigError);
    expect(() => overridesFromKafkaConfigs([{ name: 'min.cleanable.dirty.ratio', value: '1.5' }])).toThrow(InvalidConfigError);
    expect(() => overridesFromKafkaConfigs([{ name: 'compression.type', value: 'zstd' }])).toThrow(/only be producer/);
  });

  it('describe what a topic runs with, marking what it overrides and what the broker was started with', () => {
    const overrides = overridesFromKafkaConfigs([{ name: 'retention.ms', value: '1000' }, { name: 'flush.ms', value: '50' }]);
    const entries = describeTopicConfigs(effectiveLogConfig(DEFAULT_LOG_CONFIG, overrides, 't'), overrides, new Set(['segmentBytes']));
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('retention.ms')).toMatchObject({ value: '1000', source: 1, readOnly: false });
    expect(byName.get('segment.bytes')).toMatchObject({ value: String(DEFAULT_LOG_CONFIG.segmentBytes), source: 4 });
    expect(byName.get('segment.ms')).toMatchObject({ value: String(DEFAULT_LOG_CONFIG.segmentMs), source: 5 });
    expect(byName.get('max.compaction.lag.ms')).toMatchObject({ value: '9223372036854775807', source: 5, type: 5 });
    expect(byName.get('flush.ms')).toMatchObject({ value: '50', source: 1 });
    expect(byName.get('flush.messages')?.value).toBe('9223372036854775807');
    expect(byName.get('cleanup.policy')).toMatchObject({ value: 'delete', readOnly: false, type: 7 });
    expect(byName.get('compression.type')).toMatchObject({ value: 'producer', readOnly: true });
    // What describe reports, create accepts back unchanged.
    const roundTrip = overridesFromKafkaConfigs(entries.map((e) => ({ name: e.name, value: e.value })));
    expect(effectiveLogConfig(DEFAULT_LOG_CONFIG, roundTrip, 't')).toMatchObject({ retentionMs: 1000, flushPolicy: 'interval', flushIntervalMs: 50 });
  });
});
