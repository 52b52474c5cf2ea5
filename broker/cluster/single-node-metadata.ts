/**
 * ClusterMetadata of a broker that runs alone (no --cluster): topics.json through TopicManager,
 * one broker that leads every partition at the epoch its partition keeps (0 unless a log came
 * from a cluster), ISR = [self]. Exactly what the broker did before clusters existed;
 * `npm start` needs no etcd.
 */
import { EventEmitter } from 'node:events';
import { InvalidConfigError, InvalidReplicationFactorError } from '../../proto/errors.js';
import type { TopicConfigChange, TopicManager } from '../topics/topic-manager.js';
import type { BrokerInfo } from './broker-info.js';
import type { ClusterMetadata, CreateTopicRequest, PartitionInfo, TopicInfo } from './cluster-metadata.js';

export class SingleNodeMetadata implements ClusterMetadata {
  readonly mode = 'single-node' as const;
  private readonly events = new EventEmitter();

  constructor(readonly localBrokerId: number, private readonly topics: TopicManager, private readonly endpoints: () => Readonly<Record<string, string>>) {}

  brokers(): readonly BrokerInfo[] {
    return [{ id: this.localBrokerId, endpoints: this.endpoints(), startedAtMs: 0 }];
  }

  controllerId(): number {
    return this.localBrokerId;
  }

  topicNames(): string[] {
    return this.topics.listTopics();
  }

  topic(name: string): TopicInfo | undefined {
    const t = this.topics.getTopic(name);
    if (!t) return undefined;
    return { name: t.name, partitions: t.partitions.length, replicationFactor: 1, minInsyncReplicas: 1, config: t.overrides, createdAtMs: t.createdAtMs };
  }

  partition(topic: string, partition: number): PartitionInfo | undefined {
    const p = this.topics.getPartition(topic, partition);
    if (!p) return undefined;
    const me = this.localBrokerId;
    return { topic, partition, replicas: [me], leader: me, leaderEpoch: p.leaderEpoch, isr: [me] };
  }

  async createTopic(req: CreateTopicRequest): Promise<TopicInfo> {
    checkSingleNodeReplication(req.replicationFactor, req.minInsyncReplicas);
    await this.topics.createTopic(req.name, req.partitions, req.config);
    this.events.emit('change');
    return this.topic(req.name)!;
  }

  async deleteTopic(name: string): Promise<void> {
    await this.topics.deleteTopic(name);
    this.events.emit('change');
  }

  async ensureOffsetsTopic(): Promise<void> {
    // The offsets log lives outside the topics (broker/groups/offset-store.ts).
  }

  async alterTopicConfig(name: string, change: TopicConfigChange): Promise<TopicInfo> {
    const t = await this.topics.alterTopicConfig(name, change);
    return { name: t.name, partitions: t.partitions.length, replicationFactor: 1, minInsyncReplicas: 1, config: t.overrides, createdAtMs: t.createdAtMs };
  }

  onChange(listener: () => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }
}

/**
 * A broker running alone holds one replica of everything: replication factor and
 * min.insync.replicas must be 1 (or unset). Throws InvalidReplicationFactorError / InvalidConfigError.
 */
export function checkSingleNodeReplication(replicationFactor: number | undefined, minInsyncReplicas: number | undefined): void {
  const rf = replicationFactor ?? 1;
  if (rf !== 1) throw new InvalidReplicationFactorError(`replication factor ${rf} needs a cluster: this broker runs alone (start brokers with --cluster)`);
  if ((minInsyncReplicas ?? 1) !== 1) throw new InvalidConfigError(`min.insync.replicas ${minInsyncReplicas} is larger than the replication factor 1`);
}
