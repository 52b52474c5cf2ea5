/**
 * Conversions between Strata's domain shapes and the protobuf messages that carry them, shared
 * by several APIs of the WebSocket codec: topic configs (TopicConfig: 0 means "broker default"
 * for every field) and topic-partition lists (TopicPartitions: one topic name per group of
 * partitions, so a 1000-partition assignment to one topic carries the name once, not 1000 times).
 */
import { pb } from '../../../proto/messages.js';
import type { strata } from '../../../proto/gen/strata.js';
import { compareTopicPartitions, type TopicPartition } from '../../groups/assignor.js';
import type { RequestedTopicConfig } from '../../server/api/create-topics.js';
import type { FlushPolicy } from '../../storage/log-config.js';
import type { TopicOverrides } from '../../topics/topic-config.js';

const POLICY_TO_WIRE: Readonly<Record<FlushPolicy, strata.v1.FlushPolicy>> = {
  always: pb.FlushPolicy.FLUSH_POLICY_ALWAYS,
  interval: pb.FlushPolicy.FLUSH_POLICY_INTERVAL,
  never: pb.FlushPolicy.FLUSH_POLICY_NEVER,
};

const POLICY_NAMES: Readonly<Record<number, string>> = {
  [pb.FlushPolicy.FLUSH_POLICY_ALWAYS]: 'always',
  [pb.FlushPolicy.FLUSH_POLICY_INTERVAL]: 'interval',
  [pb.FlushPolicy.FLUSH_POLICY_NEVER]: 'never',
};

/** A CreateTopics config; 0 means "broker default" for every field, an unknown flush policy is left for the handler to refuse. */
export function topicConfigFromWire(cfg: strata.v1.TopicConfig.$Properties | null | undefined): RequestedTopicConfig {
  const out: { -readonly [K in keyof RequestedTopicConfig]: RequestedTopicConfig[K] } = {};
  if (!cfg) return out;
  if (cfg.retentionMs) out.retentionMs = Number(cfg.retentionMs);
  if (cfg.retentionBytes) out.retentionBytes = Number(cfg.retentionBytes);
  if (cfg.segmentBytes) out.segmentBytes = Number(cfg.segmentBytes);
  if (cfg.segmentMs) out.segmentMs = Number(cfg.segmentMs);
  if (cfg.flushIntervalMs) out.flushIntervalMs = Number(cfg.flushIntervalMs);
  if (cfg.flushPolicy) out.flushPolicy = POLICY_NAMES[cfg.flushPolicy] ?? String(cfg.flushPolicy);
  return out;
}

/** A topic's settings as Metadata sends them (0 and FLUSH_POLICY_DEFAULT: not set). */
export function topicConfigToWire(o: TopicOverrides): strata.v1.TopicConfig.$Properties {
  return {
    retentionMs: o.retentionMs ?? 0,
    retentionBytes: o.retentionBytes ?? 0,
    segmentBytes: o.segmentBytes ?? 0,
    segmentMs: o.segmentMs ?? 0,
    flushPolicy: o.flushPolicy === undefined ? pb.FlushPolicy.FLUSH_POLICY_DEFAULT : POLICY_TO_WIRE[o.flushPolicy],
    flushIntervalMs: o.flushIntervalMs ?? 0,
  };
}

type WireTopicPartitions = strata.v1.TopicPartitions.$Properties;

export function topicPartitionsFromWire(list: readonly WireTopicPartitions[] | null | undefined): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const tp of list ?? []) for (const p of tp.partitions ?? []) out.push({ topic: tp.topic ?? '', partition: p });
  return out;
}

export function topicPartitionsToWire(list: readonly TopicPartition[]): WireTopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of [...list].sort(compareTopicPartitions)) {
    let parts = byTopic.get(tp.topic);
    if (!parts) byTopic.set(tp.topic, (parts = []));
    parts.push(tp.partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
