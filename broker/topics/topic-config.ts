/**
 * Per-topic log settings: the overrides a topic was created with, stored in topics.json and
 * merged over the broker's log defaults. A topic stores only what it overrides, so changing a
 * broker default later changes every topic that did not pin that setting.
 */
import { InvalidConfigError } from '../../proto/errors.js';
import { validateLogConfig } from '../config.js';
import { CLEANUP_POLICIES, type CleanupPolicy, type LogConfig } from '../storage/log-config.js';

export type TopicOverrides = Partial<Pick<LogConfig,
  'retentionMs' | 'retentionBytes' | 'segmentBytes' | 'segmentMs' | 'flushPolicy' | 'flushIntervalMs'
  | 'cleanupPolicy' | 'minCleanableDirtyRatio' | 'minCompactionLagMs' | 'maxCompactionLagMs' | 'deleteRetentionMs'>>;

const OVERRIDE_KEYS = [
  'retentionMs', 'retentionBytes', 'segmentBytes', 'segmentMs', 'flushPolicy', 'flushIntervalMs',
  'cleanupPolicy', 'minCleanableDirtyRatio', 'minCompactionLagMs', 'maxCompactionLagMs', 'deleteRetentionMs',
] as const satisfies ReadonlyArray<keyof LogConfig>;

/** Broker defaults with the topic's overrides on top, validated as a whole. */
export function effectiveLogConfig(defaults: LogConfig, overrides: TopicOverrides, topic: string): LogConfig {
  const merged: LogConfig = { ...defaults };
  for (const key of OVERRIDE_KEYS) {
    const value = overrides[key];
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  validateLogConfig(merged, `topic ${topic} config`);
  return merged;
}

/** Checks a value read back from topics.json has only known keys of the right types. */
export function parseStoredOverrides(raw: unknown, topic: string): TopicOverrides {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidConfigError(`topic ${topic} config is not an object`);
  const out: TopicOverrides = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) throw new InvalidConfigError(`topic ${topic} has unknown config key ${key}`);
    if (key === 'flushPolicy') {
      if (value !== 'always' && value !== 'interval' && value !== 'never') {
        throw new InvalidConfigError(`topic ${topic} has flushPolicy ${String(value)}`);
      }
      out.flushPolicy = value;
    } else if (key === 'cleanupPolicy') {
      if (typeof value !== 'string' || !(CLEANUP_POLICIES as readonly string[]).includes(value)) {
        throw new InvalidConfigError(`topic ${topic} has cleanupPolicy ${String(value)}`);
      }
      out.cleanupPolicy = value as CleanupPolicy;
    } else {
      if (typeof value !== 'number') throw new InvalidConfigError(`topic ${topic} config ${key} is not a number`);
      (out as Record<string, number>)[key] = value;
    }
  }
  return out;
}
