/**
 * Topic settings on the Kafka listener: CreateTopics and AlterConfigs config entries become a
 * topic's overrides, and DescribeConfigs reports a topic's effective settings (and the broker's
 * defaults) with Kafka's config sources, synonyms and types. The names, values and sources themselves are the topic
 * layer's (broker/topics/topic-settings.ts), so the Kafka listener, the WebSocket protocol and
 * the CLI all speak of the same settings.
 */
import {
  describeBrokerSettings, describeTopicSettings, overridesFromSettings, type SettingSource, type SettingType, type SettingValue,
  type TopicSetting,
} from '../topics/topic-settings.js';
import type { LogConfig } from '../storage/log-config.js';
import type { TopicOverrides } from '../topics/topic-config.js';

/** DescribeConfigs / AlterConfigs resource types. */
export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** Kafka's ConfigSource values. */
export const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
/** Kafka's ConfigType values (DescribeConfigs v3+). */
const ConfigType: Readonly<Record<SettingType, number>> = { string: 2, int: 3, long: 5, double: 6, list: 7 };
const SOURCE: Readonly<Record<SettingSource, number>> = {
  topic: ConfigSource.DYNAMIC_TOPIC_CONFIG, broker: ConfigSource.STATIC_BROKER_CONFIG, default: ConfigSource.DEFAULT_CONFIG,
};

export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  readonly readOnly: boolean;
  readonly source: number;
  readonly type: number;
  /** Kafka's synonyms: every level that sets the value, most specific first. */
  readonly synonyms: ReadonlyArray<{ readonly name: string; readonly value: string; readonly source: number }>;
}

/** CreateTopics config entries → the topic's overrides. Throws InvalidConfigError for unknown names and bad values. */
export function overridesFromKafkaConfigs(entries: readonly SettingValue[]): TopicOverrides {
  return overridesFromSettings(entries);
}

function toKafka(s: TopicSetting): ConfigEntry {
  return {
    name: s.name, value: s.value, readOnly: s.readOnly, source: SOURCE[s.source], type: ConfigType[s.type],
    synonyms: s.synonyms.map((y) => ({ name: y.name, value: y.value, source: SOURCE[y.source] })),
  };
}

/**
 * A topic's settings under Kafka's names; `brokerSet` names the log settings the broker was
 * started with, `brokerDefaults` are its log defaults (for the synonyms).
 */
export function describeTopicConfigs(effective: LogConfig, overrides: TopicOverrides, brokerSet: ReadonlySet<string> = new Set(),
  brokerDefaults?: LogConfig): ConfigEntry[] {
  return describeTopicSettings(effective, overrides, brokerSet, brokerDefaults).map(toKafka);
}

/** The broker's log defaults under Kafka's broker config names. */
export function describeBrokerConfigs(defaults: LogConfig, brokerSet: ReadonlySet<string> = new Set()): ConfigEntry[] {
  return describeBrokerSettings(defaults, brokerSet).map(toKafka);
}

const MIN_INSYNC_REPLICAS = 'min.insync.replicas';

/**
 * A topic's entries with `min.insync.replicas` at the topic's own value: in a cluster each topic
 * has one (default min(2, R)), which the topic layer's fixed entry (1, a broker alone) does not
 * know. Read-only: it is set at creation. Reported as the topic's own when it differs from the
 * default for its replication factor, else as the default.
 */
export function withMinInsyncReplicas(entries: readonly ConfigEntry[], minInsyncReplicas: number, defaultForTopic: number): ConfigEntry[] {
  const value = String(minInsyncReplicas);
  const source = minInsyncReplicas === defaultForTopic ? ConfigSource.DEFAULT_CONFIG : ConfigSource.DYNAMIC_TOPIC_CONFIG;
  return entries.map((e) => (e.name !== MIN_INSYNC_REPLICAS ? e : {
    ...e, value, source, readOnly: true, synonyms: [{ name: MIN_INSYNC_REPLICAS, value, source }],
  }));
}
