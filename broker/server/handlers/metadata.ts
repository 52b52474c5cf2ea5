/**
 * Metadata: per topic its partitions (log start and end, size, segment count, leader) and its
 * effective config (broker defaults with the topic's overrides on top), as Kafka's
 * DescribeConfigs reports it: a user asking "what retention does this topic have" wants the
 * value in force, not "unset". An empty topic list means every topic. An unknown or invalid name gets an
 * entry with an error rather than failing the whole request. A partition whose log is unhealthy
 * (an fsync failed; it acknowledges nothing until the broker restarts) carries StorageError.
 */
import { StorageError, UnknownTopicError, errorToWire } from '../../../proto/errors.js';
import { overridesToWire } from '../../topics/topic-config.js';
import { validateTopicName } from '../../topics/topic-name.js';
import type { RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleMetadata(
  ctx: RequestContext,
  req: strata.v1.MetadataRequest.$Properties,
): Promise<strata.v1.MetadataResponse.$Properties> {
  const { topics, config } = ctx.services;
  const names = req.topics && req.topics.length > 0 ? req.topics : topics.listTopics();
  const out: strata.v1.TopicMetadata.$Properties[] = [];
  for (const name of names) {
    try {
      validateTopicName(name);
      const topic = topics.getTopic(name);
      if (!topic) throw new UnknownTopicError(`unknown topic ${name}`);
      out.push({
        name,
        config: overridesToWire(topic.config),
        partitions: topic.partitions.map((p) => ({
          partition: p.index,
          error: p.healthy ? null : errorToWire(new StorageError(
            `${name}-${p.index} is unhealthy after a failed fsync and acknowledges nothing until the broker restarts`)),
          logStartOffset: p.logStartOffset,
          logEndOffset: p.logEndOffset,
          sizeBytes: p.sizeBytes,
          segmentCount: p.segmentCount,
          leader: config.nodeId,
        })),
      });
    } catch (err) {
      out.push({ name, error: errorToWire(err) });
    }
  }
  return { nodeId: config.nodeId, brokerUrl: ctx.services.brokerUrl(), topics: out };
}
