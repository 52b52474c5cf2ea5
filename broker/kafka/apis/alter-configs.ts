/**
 * AlterConfigs and IncrementalAlterConfigs on topics. AlterConfigs (what kafkajs'
 * admin.alterConfigs sends) replaces the topic's whole set of overrides with the entries given,
 * as Kafka does: a setting left out goes back to the broker's value. IncrementalAlterConfigs
 * (kafka-configs, librdkafka's AlterConfigs since 2.2) sets, deletes, appends to or subtracts
 * from single settings. Either way the topic layer validates the whole change before applying
 * any of it (ClusterMetadata.alterTopicConfig) and persists it: topics.json alone, the topic's
 * etcd record in a cluster (every broker applies it).
 *
 * Broker resources are refused: Strata's broker settings are start-up flags, which Kafka calls
 * static configs and also refuses to alter (INVALID_REQUEST).
 */
import { InvalidConfigError, InvalidRequestError, UnknownTopicError } from '../../../proto/errors.js';
import { incrementalOverrides, overridesFromSettings, type AlterOp, type SettingChange } from '../../topics/topic-settings.js';
import type { TopicConfigChange } from '../../topics/topic-manager.js';
import { kafkaErrorCode, kafkaErrorMessage, KafkaError } from '../kafka-errors.js';
import type { KafkaContext } from '../kafka-context.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC } from '../topic-configs.js';
import type { KafkaHandler } from './types.js';

/** IncrementalAlterConfigs' operation codes. */
const OPS: readonly AlterOp[] = ['set', 'delete', 'append', 'subtract'];

interface Resource {
  readonly resourceType: number;
  readonly resourceName: string;
}

async function alterResource(ctx: KafkaContext, r: Resource, change: () => TopicConfigChange) {
  const base = { resourceType: r.resourceType, resourceName: r.resourceName };
  try {
    if (r.resourceType === RESOURCE_BROKER) throw new InvalidRequestError('broker settings are start-up flags and cannot be altered');
    if (r.resourceType !== RESOURCE_TOPIC) throw new InvalidRequestError(`resource type ${r.resourceType} cannot be altered`);
    if (!ctx.services.cluster.topic(r.resourceName)) throw new UnknownTopicError(`unknown topic ${r.resourceName}`);
    await ctx.services.cluster.alterTopicConfig(r.resourceName, change());
    return { ...base, errorCode: KafkaError.NONE, errorMessage: null };
  } catch (err) {
    ctx.logger.debug({ err, resource: r.resourceName }, 'alter configs refused');
    return { ...base, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) };
  }
}

export const handleAlterConfigs: KafkaHandler<'alterConfigs'> = async (ctx, req) => {
  const { validateOnly } = req.body;
  const responses = [];
  for (const r of req.body.resources) {
    responses.push(await alterResource(ctx, r, () => ({ replace: overridesFromSettings(r.configs), validateOnly })));
  }
  return { throttleTimeMs: 0, responses };
};

export const handleIncrementalAlterConfigs: KafkaHandler<'incrementalAlterConfigs'> = async (ctx, req) => {
  const { validateOnly } = req.body;
  const responses = [];
  for (const r of req.body.resources) {
    responses.push(await alterResource(ctx, r, () => {
      const changes: SettingChange[] = r.configs.map((c) => {
        const op = OPS[c.configOperation];
        if (!op) throw new InvalidConfigError(`unknown config operation ${c.configOperation} for ${c.name}`);
        return { name: c.name, op, value: c.value };
      });
      return { apply: (current, effective) => incrementalOverrides(current, effective, changes), validateOnly };
    }));
  }
  return { throttleTimeMs: 0, responses };
};
