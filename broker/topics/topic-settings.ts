/**
 * Topic settings by name: the one table of the names a user sets and reads (Kafka's topic
 * config names, so kafka-configs habits, kafkajs' configEntries and `strata topic alter --set`
 * all say the same thing), how each maps onto a topic's overrides (topic-config.ts), and where
 * a topic's effective value comes from:
 *   - `topic`: the topic overrides it (set at creation or by an alter);
 *   - `broker`: the broker was started with a flag for it (`--retention-ms`...);
 *   - `default`: Strata's built-in default (storage's DEFAULT_LOG_CONFIG).
 *
 * Flushing: Kafka says it with flush.messages / flush.ms, Strata with a policy. flush.messages=1
 * (fsync every append) is `always`; a finite flush.ms is `interval`; both at Long.MAX_VALUE
 * (Kafka's defaults: leave it to the OS) is `never`. Settings Strata does not vary are reported
 * read-only at the value Strata behaves as (compression.type=producer...) and refused unless
 * they ask for exactly that behaviour.
 */
import { BATCH_BYTES_MAX } from '../../proto/constants.js';
import { InvalidConfigError } from '../../proto/errors.js';
import { CLEANUP_POLICIES, DEFAULT_LOG_CONFIG, type CleanupPolicy, type LogConfig } from '../storage/log-config.js';
import type { TopicOverrides } from './topic-config.js';

export type SettingSource = 'topic' | 'broker' | 'default';
/** Kafka's config types, which DescribeConfigs reports. */
export type SettingType = 'int' | 'long' | 'double' | 'list' | 'string';

export interface TopicSetting {
  readonly name: string;
  readonly value: string;
  readonly source: SettingSource;
  readonly readOnly: boolean;
  readonly type: SettingType;
  /**
   * Every level that gives this setting a value, most specific first (Kafka's synonyms): the
   * topic's override, the broker flag (under Kafka's broker-wide name), the built-in default.
   * The first one is the effective value.
   */
  readonly synonyms: readonly SettingSynonym[];
}

export interface SettingSynonym {
  readonly name: string;
  readonly value: string;
  readonly source: SettingSource;
}

/** Kafka's IncrementalAlterConfigs operations. APPEND and SUBTRACT apply to list settings only. */
export type AlterOp = 'set' | 'delete' | 'append' | 'subtract';

export interface SettingChange {
  readonly name: string;
  readonly op: AlterOp;
  /** Ignored for `delete`. */
  readonly value: string | null;
}

/** A setting as a request names it; null means "not given" and is refused. */
export interface SettingValue {
  readonly name: string;
  readonly value: string | null;
}

/** Kafka's "never": Long.MAX_VALUE, as Kafka prints it. */
const LONG_MAX = '9223372036854775807';

type NumericKey = 'retentionMs' | 'retentionBytes' | 'segmentBytes' | 'segmentMs' | 'minCompactionLagMs' | 'maxCompactionLagMs'
  | 'deleteRetentionMs';

/** One plain setting: a name for one LogConfig field. */
interface PlainSetting {
  readonly name: string;
  /** Kafka's broker-wide name of the default. */
  readonly brokerName: string;
  readonly key: NumericKey | 'cleanupPolicy' | 'minCleanableDirtyRatio';
  readonly type: SettingType;
  /** Smallest integer accepted (integer settings). */
  readonly min?: number;
}

const PLAIN: readonly PlainSetting[] = [
  { name: 'cleanup.policy', brokerName: 'log.cleanup.policy', key: 'cleanupPolicy', type: 'list' },
  { name: 'retention.ms', brokerName: 'log.retention.ms', key: 'retentionMs', type: 'long', min: -1 },
  { name: 'retention.bytes', brokerName: 'log.retention.bytes', key: 'retentionBytes', type: 'long', min: -1 },
  { name: 'segment.bytes', brokerName: 'log.segment.bytes', key: 'segmentBytes', type: 'int', min: 1 },
  { name: 'segment.ms', brokerName: 'log.roll.ms', key: 'segmentMs', type: 'long', min: 1 },
  { name: 'min.cleanable.dirty.ratio', brokerName: 'log.cleaner.min.cleanable.ratio', key: 'minCleanableDirtyRatio', type: 'double' },
  { name: 'min.compaction.lag.ms', brokerName: 'log.cleaner.min.compaction.lag.ms', key: 'minCompactionLagMs', type: 'long', min: 0 },
  { name: 'max.compaction.lag.ms', brokerName: 'log.cleaner.max.compaction.lag.ms', key: 'maxCompactionLagMs', type: 'long', min: 1 },
  { name: 'delete.retention.ms', brokerName: 'log.cleaner.delete.retention.ms', key: 'deleteRetentionMs', type: 'long', min: 0 },
];
const PLAIN_BY_NAME = new Map(PLAIN.map((s) => [s.name, s]));

const FLUSH_MESSAGES = 'flush.messages';
const FLUSH_MS = 'flush.ms';

/** Settings Strata does not vary: accepted only at the value Strata behaves as. */
const FIXED: Readonly<Record<string, { value: string; type: SettingType }>> = {
  'compression.type': { value: 'producer', type: 'string' },
  'message.timestamp.type': { value: 'CreateTime', type: 'string' },
  'min.insync.replicas': { value: '1', type: 'int' },
  'max.message.bytes': { value: String(BATCH_BYTES_MAX), type: 'int' },
};

/** Every name a topic setting may have, for help texts and tab completion. */
export const TOPIC_SETTING_NAMES: readonly string[] = [...PLAIN.map((s) => s.name), FLUSH_MESSAGES, FLUSH_MS, ...Object.keys(FIXED)];

type MutableOverrides = { -readonly [K in keyof TopicOverrides]: TopicOverrides[K] };

/** Named settings → the overrides they set. Throws InvalidConfigError for unknown names or bad values. */
export function overridesFromSettings(entries: readonly SettingValue[]): TopicOverrides {
  const out: MutableOverrides = {};
  let flushMessages: number | undefined;
  let flushMs: number | undefined;
  const seen = new Set<string>();
  for (const { name, value } of entries) {
    if (seen.has(name)) throw new InvalidConfigError(`topic setting ${name} is given twice`);
    seen.add(name);
    if (name === FLUSH_MESSAGES) flushMessages = parseInteger(name, value, 1);
    else if (name === FLUSH_MS) flushMs = parseInteger(name, value, 0);
    else {
      const plain = PLAIN_BY_NAME.get(name);
      if (plain) (out as Record<string, unknown>)[plain.key] = parsePlain(plain, value);
      else {
        const fixed = FIXED[name];
        if (!fixed) throw new InvalidConfigError(`unknown topic setting ${name}`);
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

/**
 * A topic's overrides after `set` (named settings given new values) and `remove` (names that
 * go back to the broker's value). A name both set and removed is refused.
 */
export function alterOverrides(current: TopicOverrides, set: readonly SettingValue[], remove: readonly string[]): TopicOverrides {
  const next: MutableOverrides = { ...current };
  for (const name of remove) {
    if (set.some((s) => s.name === name)) throw new InvalidConfigError(`topic setting ${name} is both set and removed`);
    if (name === FLUSH_MESSAGES || name === FLUSH_MS) {
      delete next.flushPolicy;
      delete next.flushIntervalMs;
      continue;
    }
    const plain = PLAIN_BY_NAME.get(name);
    if (!plain) throw new InvalidConfigError(FIXED[name] ? `${name} cannot be changed on this broker` : `unknown topic setting ${name}`);
    delete (next as Record<string, unknown>)[plain.key];
  }
  const given = overridesFromSettings(set);
  if (set.some((s) => s.name === FLUSH_MESSAGES || s.name === FLUSH_MS)) {
    delete next.flushPolicy;
    delete next.flushIntervalMs;
  }
  return { ...next, ...given };
}

/**
 * Kafka's IncrementalAlterConfigs on a topic: `set` and `delete` as in alterOverrides; `append`
 * and `subtract` add or remove items of a list setting (cleanup.policy is the only one),
 * starting from its effective value. A list emptied by `subtract` is refused, as the setting
 * needs at least one policy.
 */
export function incrementalOverrides(current: TopicOverrides, effective: LogConfig, changes: readonly SettingChange[]): TopicOverrides {
  const set: SettingValue[] = [];
  const remove: string[] = [];
  for (const c of changes) {
    if (c.op === 'delete') remove.push(c.name);
    else if (c.op === 'set') set.push({ name: c.name, value: c.value });
    else {
      const plain = PLAIN_BY_NAME.get(c.name);
      if (!plain || plain.type !== 'list') throw new InvalidConfigError(`${c.op} applies to list settings only; ${c.name} is not one`);
      const items = new Set(formatPlain(plain, effective).split(','));
      for (const item of (c.value ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '')) {
        if (c.op === 'append') items.add(item);
        else items.delete(item);
      }
      set.push({ name: c.name, value: [...items].join(',') });
    }
  }
  return alterOverrides(current, set, remove);
}

/**
 * Every setting of a topic with its effective value, source and synonyms. `brokerSet`: the
 * LogConfig fields the broker was started with explicitly (everything else is a built-in
 * default); `brokerDefaults`: the broker's log defaults (its flags over the built-in ones).
 */
export function describeTopicSettings(effective: LogConfig, overrides: TopicOverrides, brokerSet: ReadonlySet<string>,
  brokerDefaults: LogConfig = DEFAULT_LOG_CONFIG): TopicSetting[] {
  const levels = (keys: readonly (keyof TopicOverrides)[]) => ({
    topic: keys.some((k) => overrides[k] !== undefined), broker: keys.some((k) => brokerSet.has(k)),
  });
  const sourceOf = (l: { topic: boolean; broker: boolean }): SettingSource => (l.topic ? 'topic' : l.broker ? 'broker' : 'default');
  const out: TopicSetting[] = PLAIN.map((s) => {
    const l = levels([s.key]);
    const synonyms: SettingSynonym[] = [];
    if (l.topic) synonyms.push({ name: s.name, value: formatPlain(s, effective), source: 'topic' });
    if (l.broker) synonyms.push({ name: s.brokerName, value: formatPlain(s, brokerDefaults), source: 'broker' });
    synonyms.push({ name: s.brokerName, value: formatPlain(s, DEFAULT_LOG_CONFIG), source: 'default' });
    return { name: s.name, value: formatPlain(s, effective), source: sourceOf(l), readOnly: false, type: s.type, synonyms };
  });
  const flush = levels(['flushPolicy', 'flushIntervalMs']);
  const brokerFlush = new Map(flushValues(brokerDefaults));
  const defaultFlush = new Map(flushValues(DEFAULT_LOG_CONFIG));
  for (const [name, value] of flushValues(effective)) {
    const brokerName = BROKER_FLUSH_NAME[name]!;
    const synonyms: SettingSynonym[] = [];
    if (flush.topic) synonyms.push({ name, value, source: 'topic' });
    if (flush.broker) synonyms.push({ name: brokerName, value: brokerFlush.get(name)!, source: 'broker' });
    synonyms.push({ name: brokerName, value: defaultFlush.get(name)!, source: 'default' });
    out.push({ name, value, source: sourceOf(flush), readOnly: false, type: 'long', synonyms });
  }
  for (const [name, f] of Object.entries(FIXED)) {
    out.push({ name, value: f.value, source: 'default', readOnly: true, type: f.type, synonyms: [{ name, value: f.value, source: 'default' }] });
  }
  return out;
}

/** Kafka's broker-wide names of the two flush settings. */
const BROKER_FLUSH_NAME: Readonly<Record<string, string>> = {
  [FLUSH_MESSAGES]: 'log.flush.interval.messages', [FLUSH_MS]: 'log.flush.interval.ms',
};

/** The broker's log defaults under Kafka's broker config names (read-only: they are start-up flags). */
export function describeBrokerSettings(defaults: LogConfig, brokerSet: ReadonlySet<string>): TopicSetting[] {
  const sourceOf = (keys: readonly string[]): SettingSource => (keys.some((k) => brokerSet.has(k)) ? 'broker' : 'default');
  const one = (name: string, value: string, source: SettingSource, type: SettingType): TopicSetting => ({
    name, value, source, readOnly: true, type, synonyms: [{ name, value, source }],
  });
  const out: TopicSetting[] = PLAIN.map((s) => one(s.brokerName, formatPlain(s, defaults), sourceOf([s.key]), s.type));
  for (const [name, value] of flushValues(defaults)) {
    out.push(one(BROKER_FLUSH_NAME[name]!, value, sourceOf(['flushPolicy', 'flushIntervalMs']), 'long'));
  }
  out.push(one('message.max.bytes', String(BATCH_BYTES_MAX), 'default', 'int'));
  return out;
}

function flushValues(c: LogConfig): Array<[string, string]> {
  return [
    [FLUSH_MESSAGES, c.flushPolicy === 'always' ? '1' : LONG_MAX],
    [FLUSH_MS, c.flushPolicy === 'interval' ? String(c.flushIntervalMs) : LONG_MAX],
  ];
}

function formatPlain(s: PlainSetting, c: LogConfig): string {
  const v = c[s.key];
  // Kafka prints "no bound" as Long.MAX_VALUE; Strata stores it as the largest safe integer.
  if (typeof v === 'number' && v === Number.MAX_SAFE_INTEGER && s.type === 'long') return LONG_MAX;
  return String(v);
}

function parsePlain(s: PlainSetting, value: string | null): number | CleanupPolicy {
  if (s.key === 'cleanupPolicy') return parseCleanupPolicy(value);
  if (s.key === 'minCleanableDirtyRatio') {
    const n = value === null || value.trim() === '' ? NaN : Number(value);
    if (!(n >= 0 && n <= 1)) throw new InvalidConfigError(`${s.name} must be a number in [0, 1], got ${JSON.stringify(value)}`);
    return n;
  }
  return parseInteger(s.name, value, s.min ?? 0);
}

/** `compact`, `delete`, or both in either order (Kafka takes a list). */
export function parseCleanupPolicy(value: string | null): CleanupPolicy {
  const parts = new Set((value ?? '').split(',').map((p) => p.trim()).filter((p) => p !== ''));
  const known = [...parts].every((p) => p === 'compact' || p === 'delete');
  if (!known || parts.size === 0) {
    throw new InvalidConfigError(`cleanup.policy must be ${CLEANUP_POLICIES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return parts.size === 2 ? 'compact,delete' : (parts.has('compact') ? 'compact' : 'delete');
}

function parseInteger(name: string, value: string | null, min: number): number {
  if (value === null || !/^-?\d+$/.test(value)) throw new InvalidConfigError(`${name} must be an integer, got ${JSON.stringify(value)}`);
  const n = value === LONG_MAX ? Number.MAX_SAFE_INTEGER : Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidConfigError(`${name} must be an integer >= ${min}, got ${value}`);
  return n;
}
