/**
 * Per-topic log settings: the overrides a topic was created with, stored in topics.json and
 * merged over the broker's log defaults. A topic stores only what it overrides, so changing a
 * broker default later changes every topic that did not pin that setting.
 *
 * Wire form (TopicConfig in strata.proto): 0 means "broker default" for every field.
 */
import { pb } from '../../proto/messages.js';
import { InvalidConfigError } from '../../proto/errors.js';
import { validateLogConfig } from '../config.js';
import type { FlushPolicy, LogConfig } from '../storage/log-config.js';
import type { strata } from '../../proto/gen/strata.js';

export type TopicOverrides = Partial<Pick<LogConfig,
  'retentionMs' | 'retentionBytes' | 'segmentBytes' | 'segmentMs' | 'flushPolicy' | 'flushIntervalMs'>>;

const OVERRIDE_KEYS = ['retentionMs', 'retentionBytes', 'segmentBytes', 'segmentMs', 'flushPolicy', 'flushIntervalMs'] as const;

const POLICY_FROM_WIRE: Readonly<Record<number, FlushPolicy>> = {
  [pb.FlushPolicy.FLUSH_POLICY_ALWAYS]: 'always',
  [pb.FlushPolicy.FLUSH_POLICY_INTERVAL]: 'interval',
  [pb.FlushPolicy.FLUSH_POLICY_NEVER]: 'never',
};
const POLICY_TO_WIRE: Readonly<Record<FlushPolicy, strata.v1.FlushPolicy>> = {
  always: pb.FlushPolicy.FLUSH_POLICY_ALWAYS,
  interval: pb.FlushPolicy.FLUSH_POLICY_INTERVAL,
  never: pb.FlushPolicy.FLUSH_POLICY_NEVER,
};

/** Reads a CreateTopics config; throws InvalidConfigError for values no LogConfig can hold. */
export function overridesFromWire(cfg: strata.v1.TopicConfig.$Properties | null | undefined): TopicOverrides {
  const out: TopicOverrides = {};
  if (!cfg) return out;
  if (cfg.retentionMs) out.retentionMs = Number(cfg.retentionMs);
  if (cfg.retentionBytes) out.retentionBytes = Number(cfg.retentionBytes);
  if (cfg.segmentBytes) out.segmentBytes = Number(cfg.segmentBytes);
  if (cfg.segmentMs) out.segmentMs = Number(cfg.segmentMs);
  if (cfg.flushIntervalMs) out.flushIntervalMs = Number(cfg.flushIntervalMs);
  if (cfg.flushPolicy) {
    const policy = POLICY_FROM_WIRE[cfg.flushPolicy];
    if (policy === undefined) throw new InvalidConfigError(`unknown flush policy ${cfg.flushPolicy}`);
    out.flushPolicy = policy;
  }
  return out;
}

export function overridesToWire(o: TopicOverrides): strata.v1.TopicConfig.$Properties {
  return {
    retentionMs: o.retentionMs ?? 0,
    retentionBytes: o.retentionBytes ?? 0,
    segmentBytes: o.segmentBytes ?? 0,
    segmentMs: o.segmentMs ?? 0,
    flushPolicy: o.flushPolicy === undefined ? pb.FlushPolicy.FLUSH_POLICY_DEFAULT : POLICY_TO_WIRE[o.flushPolicy],
    flushIntervalMs: o.flushIntervalMs ?? 0,
  };
}

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
    } else {
      if (typeof value !== 'number') throw new InvalidConfigError(`topic ${topic} config ${key} is not a number`);
      (out as Record<string, number>)[key] = value;
    }
  }
  return out;
}
