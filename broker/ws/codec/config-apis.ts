/**
 * WebSocket codecs of the topic-settings APIs (DescribeTopicConfigs, AlterTopicConfigs; oneof
 * field numbers 90-99). Settings travel as Kafka names and string values; the source becomes
 * the protobuf ConfigSource enum.
 */
import { pb } from '../../../proto/messages.js';
import type { strata } from '../../../proto/gen/strata.js';
import type { SettingSource } from '../../topics/topic-settings.js';
import { wireError, type WsApiCodec } from './api-codec.js';

const SOURCE_TO_WIRE: Readonly<Record<SettingSource, strata.v1.ConfigSource>> = {
  default: pb.ConfigSource.CONFIG_SOURCE_DEFAULT,
  broker: pb.ConfigSource.CONFIG_SOURCE_BROKER,
  topic: pb.ConfigSource.CONFIG_SOURCE_TOPIC,
};

export const describeTopicConfigs: WsApiCodec<'describeTopicConfigs'> = {
  command: (b: strata.v1.DescribeTopicConfigsRequest) => ({ topics: b.topics ?? [] }),
  response: (r) => ({
    topics: r.topics.map((t) => ({
      name: t.name,
      error: wireError(t.error),
      configs: t.settings.map((s) => ({
        name: s.name, value: s.value, source: SOURCE_TO_WIRE[s.source], readOnly: s.readOnly,
        synonyms: s.synonyms.map((y) => ({ name: y.name, value: y.value, source: SOURCE_TO_WIRE[y.source] })),
      })),
    })),
  }),
};

export const alterTopicConfigs: WsApiCodec<'alterTopicConfigs'> = {
  command: (b: strata.v1.AlterTopicConfigsRequest) => ({
    topics: (b.topics ?? []).map((t) => ({
      name: t.name ?? '',
      set: (t.set ?? []).map((v) => ({ name: v.name ?? '', value: v.value ?? '' })),
      remove: t.delete ?? [],
    })),
    validateOnly: b.validateOnly ?? false,
  }),
  response: (r) => ({ topics: r.topics.map((t) => ({ name: t.name, error: wireError(t.error) })) }),
};
