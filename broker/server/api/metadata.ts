/**
 * Metadata: per topic its partitions (log start and end, size, segment count, leader) and its
 * effective config (broker defaults with the topic's overrides on top), as Kafka's
 * DescribeConfigs reports it: a user asking "what retention does this topic have" wants the
 * value in force, not "unset". No topic list (or an empty one) means every topic. An unknown or
 * invalid name gets an entry with an error rather than failing the whole request. A partition
 * whose log is unhealthy (an fsync failed; it acknowledges nothing until the broker restarts)
 * carries StorageError.
 */
import { StorageError, UnknownTopicError, type StrataError } from '../../../proto/errors.js';
import type { LogConfig } from '../../storage/log-config.js';
import { validateTopicName } from '../../topics/topic-name.js';
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';

export interface MetadataCommand {
  /** null or empty: every topic. */
  readonly topics: readonly string[] | null;
}

export interface PartitionMetadata {
  readonly partition: number;
  readonly error: StrataError | null;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly sizeBytes: number;
  readonly segmentCount: number;
  /** Node id of the partition's leader. */
  readonly leader: number;
}

export interface TopicMetadata {
  readonly name: string;
  readonly error: StrataError | null;
  /** The topic's settings in force; null with an error. */
  readonly config: LogConfig | null;
  readonly partitions: PartitionMetadata[];
}

export interface MetadataResult {
  readonly nodeId: number;
  readonly brokerUrl: string;
  readonly topics: TopicMetadata[];
}

export async function handleMetadata(ctx: RequestContext, cmd: MetadataCommand): Promise<MetadataResult> {
  const { topics, config } = ctx.services;
  const names = cmd.topics && cmd.topics.length > 0 ? cmd.topics : topics.listTopics();
  const out: TopicMetadata[] = [];
  for (const name of names) {
    try {
      validateTopicName(name);
      const topic = topics.getTopic(name);
      if (!topic) throw new UnknownTopicError(`unknown topic ${name}`);
      out.push({
        name,
        error: null,
        config: topic.config,
        partitions: topic.partitions.map((p) => ({
          partition: p.index,
          error: p.healthy ? null : new StorageError(
            `${name}-${p.index} is unhealthy after a failed fsync and acknowledges nothing until the broker restarts`),
          logStartOffset: p.logStartOffset,
          logEndOffset: p.logEndOffset,
          sizeBytes: p.sizeBytes,
          segmentCount: p.segmentCount,
          leader: config.nodeId,
        })),
      });
    } catch (err) {
      out.push({ name, error: itemError(ctx, err, { api: 'metadata', topic: name }), config: null, partitions: [] });
    }
  }
  return { nodeId: config.nodeId, brokerUrl: ctx.services.brokerUrl(), topics: out };
}
