/**
 * ClusterMetadata: the one interface through which the broker asks "which brokers are there,
 * which topics, and who leads each partition at which epoch", and creates or deletes topics.
 *
 * Two implementations:
 *  - SingleNodeMetadata (single-node-metadata.ts): today's broker, topics in topics.json through
 *    TopicManager, this broker the only one, leading every partition. `npm start` needs no etcd.
 *  - EtcdClusterMetadata (etcd-metadata.ts): brokers, topics and partition states in etcd,
 *    read from this broker's ClusterView and written with transactions.
 *
 * Listeners (Metadata handlers of every listener, the Kafka listener among them) read
 * `brokers()[i].endpoints[listenerName]` to advertise each broker's address for their protocol.
 */
import type { TopicOverrides } from '../topics/topic-config.js';
import type { TopicConfigChange } from '../topics/topic-manager.js';
import type { BrokerInfo } from './broker-info.js';

export type { BrokerInfo } from './broker-info.js';

export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** Only the overrides; broker defaults fill the rest. */
  readonly config: TopicOverrides;
  readonly createdAtMs: number;
}

export interface PartitionInfo {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

export interface CreateTopicRequest {
  readonly name: string;
  /** 0 means the default (1). */
  readonly partitions: number;
  /** @default 1 */
  readonly replicationFactor?: number;
  /** @default min(2, replicationFactor) */
  readonly minInsyncReplicas?: number;
  readonly config: TopicOverrides;
  /**
   * Each partition's replica list, first = preferred leader (Kafka's manual replica assignment);
   * absent: placed over the live brokers. Every list names `replicationFactor` distinct live brokers.
   */
  readonly assignment?: readonly (readonly number[])[];
}

export interface ClusterMetadata {
  readonly mode: 'single-node' | 'cluster';
  /** This broker's node id. */
  readonly localBrokerId: number;
  /** Live brokers, by id. */
  brokers(): readonly BrokerInfo[];
  /** The controller's broker id, or null while there is none. */
  controllerId(): number | null;
  topicNames(): string[];
  topic(name: string): TopicInfo | undefined;
  partition(topic: string, partition: number): PartitionInfo | undefined;
  /** Throws TopicAlreadyExistsError, InvalidTopicNameError, InvalidConfigError, LimitExceededError (and replication errors in cluster mode). */
  createTopic(req: CreateTopicRequest): Promise<TopicInfo>;
  /** Throws UnknownTopicError. */
  deleteTopic(name: string): Promise<void>;
  /**
   * Cluster mode: creates the offsets topic if it does not exist yet (the first FindCoordinator
   * of a cluster smaller than the offsets topic's replication factor). A broker alone keeps its
   * offsets outside its topics: nothing to do.
   */
  ensureOffsetsTopic(): Promise<void>;
  /**
   * Changes a topic's settings (`strata topic alter`, Kafka's AlterConfigs), validated as a
   * whole first. Single node: topics.json and the local logs. Cluster: the topic's etcd record
   * (compare-and-swap), which every broker's view picks up and applies to its replicas; resolves
   * once this broker's view shows the change. Returns the topic as it is afterwards (with
   * `validateOnly`, as it would be). Throws UnknownTopicError, InvalidConfigError.
   */
  alterTopicConfig(name: string, change: TopicConfigChange): Promise<TopicInfo>;
  /** Called after any change of brokers, topics or partition states; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
}

/** min.insync.replicas when the request does not say: 2 where there are two replicas to ask, else 1. */
export function defaultMinInsyncReplicas(replicationFactor: number): number {
  return Math.min(2, replicationFactor);
}
