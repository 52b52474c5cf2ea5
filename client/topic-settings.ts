/**
 * A topic's settings as the broker describes them (DescribeTopicConfigs) and live changes to
 * them (AlterTopicConfigs). Settings go by Kafka's topic config names (`cleanup.policy`,
 * `retention.ms`, `segment.bytes`...) with string values, as kafka-configs takes them.
 */
import { errorFromWire, InvalidConfigError, UnknownTopicError } from '../proto/errors.js';
import type { Connection, ResponseBody } from './connection.js';

/** Where a setting's value comes from. */
export type SettingSource = 'default' | 'broker' | 'topic';
const SOURCE_NAME: Readonly<Record<number, SettingSource>> = { 1: 'default', 2: 'broker', 3: 'topic' };

/** One level that gives a setting a value (Kafka's config synonym). */
export interface SettingSynonym {
  /** The setting's name at that level (`retention.ms` for the topic, `log.retention.ms` for the broker). */
  name: string;
  value: string;
  source: SettingSource;
}

/** One setting of a topic. */
export interface TopicSettingDescription {
  name: string;
  /** The effective value. */
  value: string;
  /** `topic`: the topic sets it; `broker`: a broker flag does; `default`: Strata's built-in default. */
  source: SettingSource;
  /** Settings Strata does not vary (compression.type=producer...) are read-only. */
  readOnly: boolean;
  /** Every level that gives the setting a value, most specific first. */
  synonyms: SettingSynonym[];
}

/** A live change of one topic's settings. */
export interface TopicConfigAlteration {
  /** Settings to give new values, by Kafka name. @default {} */
  set?: Readonly<Record<string, string | number>>;
  /** Settings to send back to the broker's value. @default [] */
  delete?: readonly string[];
  /** Check the change on the broker and apply nothing. @default false */
  validateOnly?: boolean;
}

export async function describeTopicSettings(conn: Connection, name: string): Promise<TopicSettingDescription[]> {
  const res: ResponseBody<'describeTopicConfigs'> = await conn.request('describeTopicConfigs', { topics: [name] });
  const t = (res.topics ?? []).find((x) => x.name === name);
  if (!t) throw new UnknownTopicError(`topic ${name} does not exist`);
  if (t.error && t.error.code) throw errorFromWire(t.error, { topic: name });
  return (t.configs ?? []).map((c) => ({
    name: c.name ?? '',
    value: c.value ?? '',
    source: SOURCE_NAME[c.source ?? 0] ?? 'default',
    readOnly: c.readOnly ?? false,
    synonyms: (c.synonyms ?? []).map((s) => ({ name: s.name ?? '', value: s.value ?? '', source: SOURCE_NAME[s.source ?? 0] ?? 'default' })),
  }));
}

export async function alterTopicSettings(conn: Connection, name: string, change: TopicConfigAlteration): Promise<void> {
  const set = Object.entries(change.set ?? {}).map(([k, v]) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw new InvalidConfigError(`setting ${k} needs a string or number value`);
    return { name: k, value: String(v) };
  });
  const res = await conn.request('alterTopicConfigs', {
    topics: [{ name, set, delete: [...(change.delete ?? [])] }], validateOnly: change.validateOnly ?? false,
  });
  const t = (res.topics ?? []).find((x) => x.name === name);
  if (!t) throw new UnknownTopicError(`topic ${name} does not exist`);
  if (t.error && t.error.code) throw errorFromWire(t.error, { topic: name });
}
