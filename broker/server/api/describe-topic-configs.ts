/**
 * DescribeTopicConfigs: every setting of each named topic with its effective value, where that
 * value comes from (the topic, a broker flag, the built-in default) and its synonyms. The
 * names, values and sources are the topic layer's (broker/topics/topic-settings.ts), the same
 * the Kafka listener's DescribeConfigs reports.
 */
import { UnknownTopicError, type StrataError } from '../../../proto/errors.js';
import { effectiveLogConfig } from '../../topics/topic-config.js';
import { describeTopicSettings, type TopicSetting } from '../../topics/topic-settings.js';
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';

export interface DescribeTopicConfigsCommand {
  readonly topics: readonly string[];
}

export interface TopicConfigsResult {
  readonly name: string;
  readonly error: StrataError | null;
  /** Empty when `error` is set. */
  readonly settings: readonly TopicSetting[];
}

export interface DescribeTopicConfigsResult {
  readonly topics: TopicConfigsResult[];
}

export async function handleDescribeTopicConfigs(ctx: RequestContext, cmd: DescribeTopicConfigsCommand): Promise<DescribeTopicConfigsResult> {
  const { cluster, config } = ctx.services;
  const brokerSet = new Set<string>(config.logExplicit);
  return {
    topics: cmd.topics.map((name) => {
      try {
        // The cluster's record, not the local replicas: in a cluster any broker describes any topic.
        const topic = cluster.topic(name);
        if (!topic) throw new UnknownTopicError(`unknown topic ${name}`);
        const effective = effectiveLogConfig(config.log, topic.config, name);
        return { name, error: null, settings: describeTopicSettings(effective, topic.config, brokerSet, config.log) };
      } catch (err) {
        return { name, error: itemError(ctx, err, { api: 'describeTopicConfigs', topic: name }), settings: [] };
      }
    }),
  };
}
