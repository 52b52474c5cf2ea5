/**
 * Metadata: every live broker and the controller, and per topic its partitions (who leads each
 * at which epoch, the replicas, the ISR; log start and end, size and segment count of this
 * broker's own replica) and its effective config (broker defaults with the topic's overrides on
 * top), as Kafka's DescribeConfigs reports it: a user asking "what retention does this topic
 * have" wants the value in force, not "unset". No topic list (or an empty one) means every
 * topic. An unknown or invalid name gets an entry with an error rather than failing the whole
 * request. A partition whose log is unhealthy (an fsync failed; it acknowledges nothing until
 * the broker restarts) carries StorageError.
 *
 * Where answers come from: brokers, topics and partition states from ClusterMetadata (the
 * cluster's view), log figures from the local replica, -1 where this broker has none.
 */
import { StorageError, UnknownTopicError, type StrataError, TopicAuthorizationFailedError } from '../../../proto/errors.js';
import { mayDescribeTopic } from '../../security/request-authorization.js';
import type { ClusterMetadata } from '../../cluster/cluster-metadata.js';
import type { LogConfig } from '../../storage/log-config.js';
import { effectiveLogConfig } from '../../topics/topic-config.js';
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
  /** This broker's replica: -1 (all four) when it has none. */
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly sizeBytes: number;
  readonly segmentCount: number;
  /** Node id of the partition's leader; -1 while it has none. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly error: StrataError | null;
  /** The topic's settings in force; null with an error. */
  readonly config: LogConfig | null;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly partitions: PartitionMetadata[];
}

/** A live broker: its node id and the URL of its WebSocket listener. */
export interface BrokerAddress {
  readonly nodeId: number;
  readonly url: string;
  /** Its rack (`--rack`), when it has one. */
  readonly rack?: string;
}

export interface MetadataResult {
  readonly nodeId: number;
  readonly brokerUrl: string;
  readonly brokers: BrokerAddress[];
  /** -1 while there is none. */
  readonly controllerId: number;
  readonly topics: TopicMetadata[];
}

/** Live brokers with a WebSocket endpoint, by node id. */
export function liveBrokerAddresses(cluster: ClusterMetadata): BrokerAddress[] {
  const out: BrokerAddress[] = [];
  for (const b of cluster.brokers()) if (b.endpoints.ws) out.push({ nodeId: b.id, url: b.endpoints.ws, ...(b.rack !== undefined ? { rack: b.rack } : {}) });
  return out.sort((a, b) => a.nodeId - b.nodeId);
}

export async function handleMetadata(ctx: RequestContext, cmd: MetadataCommand): Promise<MetadataResult> {
  const { topics, config, cluster } = ctx.services;
  // All topics: only those the caller may describe; named ones it may not are refused with the
  // same error whether or not they exist (no existence leak).
  const names = cmd.topics && cmd.topics.length > 0 ? cmd.topics : cluster.topicNames().filter((n) => mayDescribeTopic(ctx, n));
  const out: TopicMetadata[] = [];
  for (const name of names) {
    try {
      if (!mayDescribeTopic(ctx, name)) throw new TopicAuthorizationFailedError(`not authorized to describe topic ${name}`);
      validateTopicName(name);
      const info = cluster.topic(name);
      if (!info) throw new UnknownTopicError(`unknown topic ${name}`);
      const local = topics.getTopic(name);
      const partitions: PartitionMetadata[] = [];
      for (let index = 0; index < info.partitions; index++) {
        const state = cluster.partition(name, index);
        const p = local?.partitions[index];
        partitions.push({
          partition: index,
          error: !p || p.healthy ? null : new StorageError(
            `${name}-${index} is unhealthy after a failed fsync and acknowledges nothing until the broker restarts`),
          logStartOffset: p ? p.logStartOffset : -1,
          logEndOffset: p ? p.logEndOffset : -1,
          sizeBytes: p ? p.sizeBytes : -1,
          segmentCount: p ? p.segmentCount : -1,
          leader: state?.leader ?? -1,
          leaderEpoch: state?.leaderEpoch ?? -1,
          replicas: state?.replicas ?? [],
          isr: state?.isr ?? [],
        });
      }
      out.push({
        name,
        error: null,
        config: local?.config ?? effectiveLogConfig(config.log, info.config, name),
        replicationFactor: info.replicationFactor,
        minInsyncReplicas: info.minInsyncReplicas,
        partitions,
      });
    } catch (err) {
      out.push({
        name, error: itemError(ctx, err, { api: 'metadata', topic: name }), config: null, replicationFactor: 0, minInsyncReplicas: 0,
        partitions: [],
      });
    }
  }
  return {
    nodeId: config.nodeId,
    brokerUrl: ctx.services.brokerUrl(),
    brokers: liveBrokerAddresses(cluster),
    controllerId: cluster.controllerId() ?? -1,
    topics: out,
  };
}
