/**
 * ClusterMetadata kept in etcd (cluster mode): reads come from this broker's ClusterView (no
 * etcd round trip on a Metadata request), writes are transactions.
 *
 * createTopic: validates like the single-node broker, places the replicas over the live
 * brokers (placement.ts), writes `topics/<name>` only if absent, then waits until the controller
 * has given every partition a state with a leader, so a client may produce as soon as the call
 * returns. deleteTopic removes the topic and its partition states in one transaction; every
 * broker's replica manager then deletes its local logs of it.
 *
 * alterTopicConfig: reads `topics/<name>` from etcd, computes and validates the new overrides,
 * and writes the record back only if it is unchanged since the read (mod revision), retrying a
 * lost race up to CAS_ATTEMPTS_MAX times; then waits until this broker's view has the write,
 * so a describe on this broker right after shows it. Every broker applies the new overrides to
 * its replicas when its view sees the record change (TopicManager.applyClusterConfig).
 */
import { EventEmitter } from 'node:events';
import {
  InvalidConfigError, InvalidReplicationFactorError, InvalidTopicNameError, LimitExceededError, RequestTimedOutError, TopicAlreadyExistsError, UnknownTopicError,
} from '../../proto/errors.js';
import type { LogConfig } from '../storage/log-config.js';
import { effectiveLogConfig } from '../topics/topic-config.js';
import { TOPIC_PARTITIONS_DEFAULT, type TopicConfigChange } from '../topics/topic-manager.js';
import { validateNewTopicName, validateTopicName } from '../topics/topic-name.js';
import type { BrokerInfo } from './broker-info.js';
import { defaultMinInsyncReplicas, type ClusterMetadata, type CreateTopicRequest, type PartitionInfo, type TopicInfo } from './cluster-metadata.js';
import type { ClusterNode } from './cluster-node.js';
import { OFFSETS_TOPIC } from '../groups/constants.js';
import { createOffsetsTopic, offsetsTopicRecord } from './offsets-topic.js';
import { CAS_ATTEMPTS_MAX, REPLICATION_FACTOR_MAX } from './constants.js';
import { NO_LEADER } from './partition-state.js';
import { assignReplicas, racksOf } from './placement.js';
import { parseTopicRecord, serializeTopicRecord, type TopicRecord } from './topic-record.js';

/** How long createTopic waits for the controller to elect the new partitions' leaders. */
export const TOPIC_LEADERS_WAIT_MS_MAX = 10_000;
/** How long alterTopicConfig waits for this broker's view to show its own write. */
export const TOPIC_CONFIG_VISIBLE_WAIT_MS_MAX = 5_000;

export interface EtcdClusterMetadataOptions {
  logDefaults: LogConfig;
  maxTopics: number;
  maxPartitionsPerTopic: number;
  /** Partitions of the offsets topic if this broker creates it. */
  offsetsTopicPartitions: number;
}

export class EtcdClusterMetadata implements ClusterMetadata {
  readonly mode = 'cluster' as const;
  private readonly events = new EventEmitter();

  constructor(private readonly node: ClusterNode, private readonly opts: EtcdClusterMetadataOptions) {
    node.view.on('change', () => this.events.emit('change'));
  }

  get localBrokerId(): number {
    return this.node.nodeId;
  }

  brokers(): readonly BrokerInfo[] {
    return [...this.node.view.brokers.values()].map((v) => v.value).sort((a, b) => a.id - b.id);
  }

  controllerId(): number | null {
    return this.node.controllerId();
  }

  topicNames(): string[] {
    return [...this.node.view.topics.keys()].sort();
  }

  topic(name: string): TopicInfo | undefined {
    const t = this.node.view.topics.get(name)?.value;
    if (!t) return undefined;
    return { name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, minInsyncReplicas: t.minInsyncReplicas, config: t.config, createdAtMs: t.createdAtMs };
  }

  partition(topic: string, partition: number): PartitionInfo | undefined {
    const t = this.node.view.topics.get(topic)?.value;
    if (!t || partition < 0 || partition >= t.partitions) return undefined;
    const s = this.node.view.partition(topic, partition)?.value;
    // Created but not yet given a state by the controller: no leader yet.
    if (!s) return { topic, partition, replicas: t.assignment[partition]!, leader: NO_LEADER, leaderEpoch: 0, isr: [] };
    return { topic, partition, replicas: s.replicas, leader: s.leader, leaderEpoch: s.leaderEpoch, isr: s.isr };
  }

  async createTopic(req: CreateTopicRequest): Promise<TopicInfo> {
    validateNewTopicName(req.name);
    const partitions = req.partitions === 0 ? TOPIC_PARTITIONS_DEFAULT : req.partitions;
    if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > this.opts.maxPartitionsPerTopic) {
      throw new InvalidConfigError(`partitions must be in [1, ${this.opts.maxPartitionsPerTopic}], got ${req.partitions}`);
    }
    const rf = req.replicationFactor ?? 1;
    if (!Number.isSafeInteger(rf) || rf < 1 || rf > REPLICATION_FACTOR_MAX) {
      throw new InvalidReplicationFactorError(`replication factor must be in [1, ${REPLICATION_FACTOR_MAX}], got ${rf}`);
    }
    const minIsr = req.minInsyncReplicas ?? defaultMinInsyncReplicas(rf);
    if (!Number.isSafeInteger(minIsr) || minIsr < 1 || minIsr > rf) {
      throw new InvalidConfigError(`min.insync.replicas must be in [1, ${rf}] (the replication factor), got ${minIsr}`);
    }
    effectiveLogConfig(this.opts.logDefaults, req.config, req.name); // InvalidConfigError for bad overrides
    const { view, client, keys } = this.node;
    if (view.topics.has(req.name)) throw new TopicAlreadyExistsError(`topic ${req.name} already exists`);
    if (view.topics.size >= this.opts.maxTopics) throw new LimitExceededError(`the cluster holds its maximum of ${this.opts.maxTopics} topics`);
    const live = [...view.liveBrokerIds()];
    if (rf > live.length) {
      throw new InvalidReplicationFactorError(`replication factor ${rf} is larger than the ${live.length} live broker${live.length === 1 ? '' : 's'} (${live.sort((a, b) => a - b).join(', ')})`);
    }
    const existing = [...view.topics.values()].flatMap((t) => t.value.assignment);
    const racks = racksOf([...view.brokers.values()].map((v) => v.value));
    const assignment = req.assignment ? checkedAssignment(req.assignment, partitions, rf, live) : assignReplicas(partitions, rf, live, existing, racks);
    const record: TopicRecord = {
      name: req.name, partitions, replicationFactor: rf, minInsyncReplicas: minIsr, config: req.config,
      createdAtMs: Date.now(), assignment,
    };
    const key = keys.topic(req.name);
    const res = await client.if(key, 'Create', '==', 0).then(client.put(key).value(serializeTopicRecord(record))).commit();
    if (!res.succeeded) throw new TopicAlreadyExistsError(`topic ${req.name} already exists`);
    const led = await view.waitFor(() => {
      for (let p = 0; p < partitions; p++) {
        const s = view.partition(req.name, p)?.value;
        if (!s || s.leader === NO_LEADER) return false;
      }
      return true;
    }, TOPIC_LEADERS_WAIT_MS_MAX);
    if (!led) throw new RequestTimedOutError(`topic ${req.name} was created, but not every partition had a leader within ${TOPIC_LEADERS_WAIT_MS_MAX} ms (is a controller running?)`);
    return this.topic(req.name)!;
  }

  async deleteTopic(name: string): Promise<void> {
    validateTopicName(name);
    // Every group's committed offsets: not a user's to delete.
    if (name === OFFSETS_TOPIC) throw new InvalidTopicNameError(`${OFFSETS_TOPIC} is the broker's own topic and cannot be deleted`);
    const { client, keys } = this.node;
    const key = keys.topic(name);
    const res = await client.if(key, 'Create', '>', 0)
      .then(client.delete().key(key), client.delete().prefix(keys.topicPartitionsPrefix(name)))
      .commit();
    if (!res.succeeded) throw new UnknownTopicError(`unknown topic ${name}`);
  }

  async ensureOffsetsTopic(): Promise<void> {
    const { view, client, keys } = this.node;
    if (view.topics.has(OFFSETS_TOPIC)) return;
    const live = [...view.liveBrokerIds()];
    if (live.length === 0) return;
    const existing = [...view.topics.values()].flatMap((t) => t.value.assignment);
    const racks = racksOf([...view.brokers.values()].map((v) => v.value));
    await createOffsetsTopic(client, keys, offsetsTopicRecord(this.opts.offsetsTopicPartitions, live, existing, Date.now(), racks));
  }

  async alterTopicConfig(name: string, change: TopicConfigChange): Promise<TopicInfo> {
    validateTopicName(name);
    const { client, keys, view } = this.node;
    const key = keys.topic(name);
    for (let attempt = 1; attempt <= CAS_ATTEMPTS_MAX; attempt++) {
      const kv = (await client.get(key).exec()).kvs[0];
      if (!kv) throw new UnknownTopicError(`unknown topic ${name}`);
      const record = parseTopicRecord(kv.value.toString('utf8'), key);
      const current = effectiveLogConfig(this.opts.logDefaults, record.config, name);
      const overrides = change.replace ?? change.apply?.(record.config, current) ?? record.config;
      effectiveLogConfig(this.opts.logDefaults, overrides, name); // InvalidConfigError for bad overrides
      const next: TopicRecord = { ...record, config: overrides };
      if (change.validateOnly) return infoOf(next);
      const res = await client.if(key, 'Mod', '==', kv.mod_revision).then(client.put(key).value(serializeTopicRecord(next))).commit();
      if (!res.succeeded) continue;
      const written = BigInt(res.header.revision);
      const seen = await view.waitFor(() => view.revision >= written, TOPIC_CONFIG_VISIBLE_WAIT_MS_MAX);
      if (!seen) throw new RequestTimedOutError(`topic ${name}'s settings were written to etcd, but this broker did not see the change within ${TOPIC_CONFIG_VISIBLE_WAIT_MS_MAX} ms`);
      return this.topic(name) ?? infoOf(next);
    }
    throw new RequestTimedOutError(`topic ${name}'s settings kept changing under this alter (${CAS_ATTEMPTS_MAX} attempts); try again`);
  }

  onChange(listener: () => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }
}

function infoOf(t: TopicRecord): TopicInfo {
  return { name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, minInsyncReplicas: t.minInsyncReplicas, config: t.config, createdAtMs: t.createdAtMs };
}

/** A manual replica assignment, checked: one list per partition, each of `rf` distinct live brokers. */
function checkedAssignment(assignment: readonly (readonly number[])[], partitions: number, rf: number, live: readonly number[]): number[][] {
  if (assignment.length !== partitions) throw new InvalidConfigError(`the replica assignment lists ${assignment.length} partitions, not ${partitions}`);
  return assignment.map((replicas, p) => {
    if (replicas.length !== rf || new Set(replicas).size !== rf) {
      throw new InvalidReplicationFactorError(`partition ${p}'s replica assignment must name ${rf} distinct brokers, got [${replicas.join(', ')}]`);
    }
    const down = replicas.filter((id) => !live.includes(id));
    if (down.length > 0) throw new InvalidReplicationFactorError(`partition ${p}'s replica assignment names broker${down.length === 1 ? '' : 's'} ${down.join(', ')}, not live`);
    return [...replicas];
  });
}
