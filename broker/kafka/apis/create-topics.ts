/**
 * CreateTopics: partition count (-1: one, Kafka's num.partitions default), replication factor
 * (-1 or 1: this broker is the only replica), and configs under Kafka's names (topic-configs.ts).
 * Manual replica assignments are refused. validate_only checks everything and creates nothing.
 */
import { InvalidRequestError } from '../../../proto/errors.js';
import { validateTopicName } from '../../topics/topic-name.js';
import { effectiveLogConfig } from '../../topics/topic-config.js';
import { kafkaErrorCode, kafkaErrorMessage, KafkaError } from '../kafka-errors.js';
import { describeTopicConfigs, overridesFromKafkaConfigs } from '../topic-configs.js';
import type { KafkaHandler } from './types.js';

const PARTITIONS_DEFAULT = 1;

export const handleCreateTopics: KafkaHandler<'createTopics'> = async (ctx, req) => {
  const { topics, config } = ctx.services;
  const results = [];
  for (const t of req.body.topics) {
    const partitions = t.numPartitions === -1 ? PARTITIONS_DEFAULT : t.numPartitions;
    try {
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        results.push({ name: t.name, errorCode: KafkaError.INVALID_REPLICATION_FACTOR,
          errorMessage: `replication factor ${t.replicationFactor} is larger than the 1 broker available` });
        continue;
      }
      if (t.assignments.length > 0) throw new InvalidRequestError('manual replica assignments are not supported');
      if (partitions < 1 || partitions > config.limits.maxPartitionsPerTopic) {
        results.push({ name: t.name, errorCode: KafkaError.INVALID_PARTITIONS,
          errorMessage: `partition count must be in [1, ${config.limits.maxPartitionsPerTopic}], got ${partitions}` });
        continue;
      }
      const overrides = overridesFromKafkaConfigs(t.configs);
      validateTopicName(t.name);
      const effective = effectiveLogConfig(config.log, overrides, t.name);
      if (req.body.validateOnly) {
        if (topics.getTopic(t.name)) {
          results.push({ name: t.name, errorCode: KafkaError.TOPIC_ALREADY_EXISTS, errorMessage: `topic ${t.name} already exists` });
          continue;
        }
      } else {
        await topics.createTopic(t.name, partitions, overrides);
      }
      results.push({
        name: t.name, errorCode: KafkaError.NONE, errorMessage: null, numPartitions: partitions, replicationFactor: 1,
        configs: describeTopicConfigs(effective, overrides, new Set(config.logExplicit)).map((e) => ({
          name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: false,
        })),
      });
    } catch (err) {
      ctx.logger.debug({ err, topic: t.name }, 'create topic refused');
      results.push({ name: t.name, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) });
    }
  }
  return { topics: results };
};
