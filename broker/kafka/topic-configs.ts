/**
 * Kafka's names for Strata's topic settings, both ways: CreateTopics config entries become
 * TopicOverrides, and DescribeConfigs reports a topic's effective settings (and the broker's
 * defaults) under Kafka's names, with Kafka's config sources and types.
 *
 * Flushing: Kafka says it with flush.messages / flush.ms, Strata with a policy. flush.messages=1
 * (fsync every append) is `always`; a finite flush.ms is `interval`; both at Long.MAX_VALUE
 * (Kafka's defaults: leave it to the OS) is `never`. Settings Strata does not have are reported
 * read-only at the value Strata behaves as (cleanup.policy=delete, compression.type=producer...)
 * and refused in CreateTopics unless they ask for exactly that behaviour.
 */
import { BATCH_BYTES_MAX } from '../../proto/constants.js';
import { InvalidConfigError } from '../../proto/errors.js';
import type { LogConfig } from '../storage/log-config.js';
import type { TopicOverrides } from '../topics/topic-config.js';

/** DescribeConfigs resource types. */
export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** Kafka's ConfigSource values. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
/** Kafka's ConfigType values (DescribeConfigs v3+). */
const ConfigType = { STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;

/** Kafka's "never": Long.MAX_VALUE, as Kafka prints it. */
const LONG_MAX = '9223372036854775807';

export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  readonly readOnly: boolean;
  readonly source: number;
  readonly type: number;
}

function parseLong(name: string, value: string | null, min: number): number {
  if (value === null || !/^-?\d+$/.test(value)) throw new InvalidConfigError(`${name} must be an integer, got ${JSON.stringify(value)}`);
  const n = value === LONG_MAX ? Number.MAX_SAFE_INTEGER : Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidConfigError(`${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** Settings Strata does not vary: accepted only at the value Strata behaves as. */
const FIXED: Readonly<Record<string, { value: string; type: number }>> = {
  'cleanup.policy': { value: 'delete', type: ConfigType.LIST },
  'compression.type': { value: 'producer', type: ConfigType.STRING },
  'message.timestamp.type': { value: 'CreateTime', type: ConfigType.STRING },
  'min.insync.replicas': { value: '1', type: ConfigType.INT },
  'max.message.bytes': { value: String(BATCH_BYTES_MAX), type: ConfigType.INT },
};

/** CreateTopics config entries → the topic's overrides. Throws InvalidConfigError for the rest. */
export function overridesFromKafkaConfigs(entries: readonly { name: string; value: string | null }[]): TopicOverrides {
  const out: { -readonly [K in keyof TopicOverrides]: TopicOverrides[K] } = {};
  let flushMessages: number | undefined;
  let flushMs: number | undefined;
  for (const { name, value } of entries) {
    switch (name) {
      case 'retention.ms': out.retentionMs = parseLong(name, value, -1); break;
      case 'retention.bytes': out.retentionBytes = parseLong(name, value, -1); break;
      case 'segment.bytes': out.segmentBytes = parseLong(name, value, 1); break;
      case 'segment.ms': out.segmentMs = parseLong(name, value, 1); break;
      case 'flush.messages': flushMessages = parseLong(name, value, 1); break;
      case 'flush.ms': flushMs = parseLong(name, value, 0); break;
      default: {
        const fixed = FIXED[name];
        if (!fixed) throw new InvalidConfigError(`unknown topic config ${name}`);
        if (value !== fixed.value) throw new InvalidConfigError(`${name} can only be ${fixed.value} on this broker`);
      }
    }
  }
  if (flushMessages === 1) out.flushPolicy = 'always';
  else if (flushMs !== undefined && flushMs < Number.MAX_SAFE_INTEGER) {
    out.flushPolicy = 'interval';
    out.flushIntervalMs = Math.max(1, flushMs);
  } else if (flushMessages !== undefined || flushMs !== undefined) out.flushPolicy = 'never';
  return out;
}

function flushEntries(c: LogConfig): Array<[string, string]> {
  return [
    ['flush.messages', c.flushPolicy === 'always' ? '1' : LONG_MAX],
    ['flush.ms', c.flushPolicy === 'interval' ? String(c.flushIntervalMs) : LONG_MAX],
  ];
}

/** A topic's settings under Kafka's names; overridden ones have source DYNAMIC_TOPIC_CONFIG. */
export function describeTopicConfigs(effective: LogConfig, overrides: TopicOverrides): ConfigEntry[] {
  const flushOverridden = overrides.flushPolicy !== undefined || overrides.flushIntervalMs !== undefined;
  const sourceOf = (overridden: boolean): number => (overridden ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.STATIC_BROKER_CONFIG);
  const entries: ConfigEntry[] = [
    { name: 'retention.ms', value: String(effective.retentionMs), readOnly: false, source: sourceOf(overrides.retentionMs !== undefined), type: ConfigType.LONG },
    { name: 'retention.bytes', value: String(effective.retentionBytes), readOnly: false, source: sourceOf(overrides.retentionBytes !== undefined), type: ConfigType.LONG },
    { name: 'segment.bytes', value: String(effective.segmentBytes), readOnly: false, source: sourceOf(overrides.segmentBytes !== undefined), type: ConfigType.INT },
    { name: 'segment.ms', value: String(effective.segmentMs), readOnly: false, source: sourceOf(overrides.segmentMs !== undefined), type: ConfigType.LONG },
    ...flushEntries(effective).map(([name, value]) => ({ name, value, readOnly: false, source: sourceOf(flushOverridden), type: ConfigType.LONG })),
  ];
  for (const [name, f] of Object.entries(FIXED)) entries.push({ name, value: f.value, readOnly: true, source: ConfigSource.DEFAULT_CONFIG, type: f.type });
  return entries;
}

/** The broker's log defaults under Kafka's broker config names. */
export function describeBrokerConfigs(defaults: LogConfig): ConfigEntry[] {
  const s = ConfigSource.STATIC_BROKER_CONFIG;
  return [
    { name: 'log.retention.ms', value: String(defaults.retentionMs), readOnly: true, source: s, type: ConfigType.LONG },
    { name: 'log.retention.bytes', value: String(defaults.retentionBytes), readOnly: true, source: s, type: ConfigType.LONG },
    { name: 'log.segment.bytes', value: String(defaults.segmentBytes), readOnly: true, source: s, type: ConfigType.INT },
    { name: 'log.roll.ms', value: String(defaults.segmentMs), readOnly: true, source: s, type: ConfigType.LONG },
    ...flushEntries(defaults).map(([name, value]) => ({
      name: name === 'flush.messages' ? 'log.flush.interval.messages' : 'log.flush.interval.ms', value, readOnly: true, source: s, type: ConfigType.LONG,
    })),
    { name: 'message.max.bytes', value: String(BATCH_BYTES_MAX), readOnly: true, source: ConfigSource.DEFAULT_CONFIG, type: ConfigType.INT },
  ];
}
