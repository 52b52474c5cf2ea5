/**
 * DescribeConfigs: a topic's settings, or this broker's defaults, under Kafka's names
 * (topic-configs.ts), with their sources and, when asked (v1+), their synonyms: the topic's
 * override, the broker flag, the built-in default, most specific first (what kafka-configs
 * --describe --all prints). No documentation is kept. A topic's overrides come from
 * ClusterMetadata (etcd in a cluster), so any broker describes any topic, whether or not it
 * holds a replica of it.
 */
import { UnknownTopicError } from '../../../proto/errors.js';
import { effectiveLogConfig } from '../../topics/topic-config.js';
import { kafkaErrorCode, kafkaErrorMessage, KafkaError } from '../kafka-errors.js';
import { defaultMinInsyncReplicas } from '../../cluster/cluster-metadata.js';
import {
  ConfigSource, describeBrokerConfigs, describeTopicConfigs, RESOURCE_BROKER, RESOURCE_TOPIC, withMinInsyncReplicas, type ConfigEntry,
} from '../topic-configs.js';
import type { KafkaHandler } from './types.js';

export const handleDescribeConfigs: KafkaHandler<'describeConfigs'> = async (ctx, req) => {
  const { cluster, config } = ctx.services;
  return {
    results: req.body.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        let entries: ConfigEntry[];
        if (r.resourceType === RESOURCE_TOPIC) {
          const topic = cluster.topic(r.resourceName);
          if (!topic) throw new UnknownTopicError(`unknown topic ${r.resourceName}`);
          const effective = effectiveLogConfig(config.log, topic.config, topic.name);
          entries = withMinInsyncReplicas(describeTopicConfigs(effective, topic.config, new Set(config.logExplicit), config.log),
            topic.minInsyncReplicas, defaultMinInsyncReplicas(topic.replicationFactor));
        } else if (r.resourceType === RESOURCE_BROKER && (r.resourceName === '' || r.resourceName === String(config.nodeId))) {
          entries = describeBrokerConfigs(config.log, new Set(config.logExplicit));
        } else {
          return { ...base, errorCode: KafkaError.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} ${r.resourceName} is not described by this broker`, configs: [] };
        }
        const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys);
        return {
          ...base,
          errorCode: KafkaError.NONE,
          errorMessage: null,
          configs: entries.filter((e) => keys === null || keys.has(e.name)).map((e) => ({
            name: e.name, value: e.value, readOnly: e.readOnly, isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
            configSource: e.source, isSensitive: false, synonyms: req.body.includeSynonyms ? [...e.synonyms] : [],
            configType: e.type, documentation: null,
          })),
        };
      } catch (err) {
        return { ...base, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err), configs: [] };
      }
    }),
  };
};
