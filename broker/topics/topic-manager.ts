/**
 * The broker's topics: create, delete, list, describe, and partition lookup for the request
 * handlers. Owns topics.json (through TopicStore) and the Partition wrappers; the partition
 * directories and their logs belong to storage's LogManager.
 *
 * Ordering makes crashes safe:
 *  - create persists the topic to topics.json before opening its logs: a crash in between
 *    leaves a listed topic with missing directories, which the next start creates empty;
 *  - delete hides the topic, persists its removal (with a "deleting" mark), then closes its
 *    logs and renames their directories aside; the files are removed in the background,
 *    stepwise (storage's dir-deleter.ts), so the delete is answered at once and the name can be
 *    reused at once. A crash before the rename is finished by the next start (the mark); one
 *    after it leaves renamed directories that start-up goes on removing.
 *
 * Concurrency: a name being created or deleted is held in `busy`, so concurrent creates of one
 * name cannot both succeed and a create cannot race a delete of the same name.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidConfigError, LimitExceededError, StorageError, TopicAlreadyExistsError, UnknownTopicError,
} from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import type { LogConfig } from '../storage/log-config.js';
import type { LogManager } from '../storage/log-manager.js';
import { Partition } from '../partition/partition.js';
import type { ProducerRegistry } from '../partition/producer-ids.js';
import { effectiveLogConfig, type TopicOverrides } from './topic-config.js';
import { parsePartitionDirName, partitionDirName } from '../storage/log-files.js';
import { readPartitionTopicId, writePartitionTopicId } from './partition-metadata.js';
import { ioErrorDetail } from '../storage/index.js';
import { validateNewTopicName, validateTopicName } from './topic-name.js';
import { TopicStore, type StoredTopic } from './topic-store.js';

/** Whether two sets of overrides say the same (key order aside). */
function sameOverrides(a: TopicOverrides, b: TopicOverrides): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Partitions of a topic created with `partitions: 0` (the proto3 default). */
export const TOPIC_PARTITIONS_DEFAULT = 1;

export interface Topic {
  readonly name: string;
  readonly overrides: TopicOverrides;
  /** Broker defaults merged with the overrides: what the partitions' logs run with. */
  readonly config: LogConfig;
  /**
   * Index → this broker's replica. A broker alone holds every partition; in a cluster only the
   * partitions it replicates (the others are undefined).
   */
  readonly partitions: ReadonlyArray<Partition | undefined>;
  readonly createdAtMs: number;
}

export interface TopicManagerOptions {
  dataDir: string;
  logManager: LogManager;
  logDefaults: LogConfig;
  maxTopics: number;
  maxPartitionsPerTopic: number;
  /** Which producer ids and epochs were issued: the partitions refuse batches naming others. */
  producerIds: ProducerRegistry;
  logger: Logger;
}

/** What openReplica needs to know of a topic kept in etcd. */
export interface ReplicaTopicInfo {
  readonly name: string;
  readonly partitions: number;
  readonly config: TopicOverrides;
  readonly createdAtMs: number;
}

/** What one entry of a CreateTopics request asks for. */
export interface NewTopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly overrides: TopicOverrides;
}

/** What an alter does to a topic's overrides: `replace` them all, or `apply` a change to the current ones. */
export interface TopicConfigChange {
  readonly replace?: TopicOverrides;
  /** Returns the new overrides from the current ones; may throw InvalidConfigError. */
  readonly apply?: (current: TopicOverrides, effective: LogConfig) => TopicOverrides;
  /** Check only, change nothing. @default false */
  readonly validateOnly?: boolean;
}

/**
 * Topics of one CreateTopics request created at once. Creations share topics.json writes (group
 * commit), so running them side by side is what makes a 10,000-topic request take seconds; the
 * bound keeps the file handles and directory fsyncs in flight small.
 */
export const CREATE_TOPICS_CONCURRENCY_MAX = 64;

export class TopicManager {
  private readonly topics = new Map<string, Topic>();
  private readonly busy = new Set<string>();
  /**
   * Topic names with partition directories on disk that belong to no topic (found at start):
   * a create of such a name removes them first. Every other create skips that step, which
   * lists the whole data directory.
   */
  private readonly strayNames = new Set<string>();
  /** The last alter queued (alters run one at a time). */
  private alterChain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly opts: TopicManagerOptions, private readonly store: TopicStore) {}

  /** Loads topics.json and opens every partition of every listed topic. */
  static async open(opts: TopicManagerOptions): Promise<TopicManager> {
    const store = await TopicStore.open(opts.dataDir, opts.logger);
    const manager = new TopicManager(opts, store);
    await manager.finishInterruptedDeletes();
    for (const stored of store.list()) {
      const topic = await manager.openTopic(stored);
      manager.topics.set(topic.name, topic);
    }
    await manager.warnAboutUnknownDirs();
    opts.logger.info({ topics: manager.topics.size }, 'topics loaded');
    return manager;
  }

  get size(): number {
    return this.topics.size;
  }

  listTopics(): string[] {
    return [...this.topics.keys()].sort();
  }

  getTopic(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  /** The partition, or undefined if the topic or partition does not exist. */
  getPartition(topic: string, partition: number): Partition | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Like getPartition, but throws UnknownTopicError. */
  partition(topic: string, partition: number): Partition {
    const p = this.getPartition(topic, partition);
    if (!p) throw new UnknownTopicError(`unknown topic or partition ${topic}-${partition}`);
    return p;
  }

  allPartitions(): Partition[] {
    return [...this.topics.values()].flatMap((t) => t.partitions.filter((p): p is Partition => p !== undefined));
  }

  /**
   * Creates each topic of one request, up to CREATE_TOPICS_CONCURRENCY_MAX at a time, and
   * returns the outcome of each in request order (a Topic, or the error that refused it).
   */
  async createTopics(specs: readonly NewTopicSpec[]): Promise<Array<Topic | Error>> {
    const out: Array<Topic | Error> = new Array(specs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < specs.length) {
        const i = next++;
        const spec = specs[i]!;
        try {
          out[i] = await this.createTopic(spec.name, spec.partitions, spec.overrides);
        } catch (err) {
          out[i] = err instanceof Error ? err : new StorageError(`cannot create topic ${spec.name}`, { cause: err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CREATE_TOPICS_CONCURRENCY_MAX, specs.length) }, worker));
    return out;
  }

  async createTopic(name: string, partitions: number, overrides: TopicOverrides): Promise<Topic> {
    validateNewTopicName(name);
    const count = partitions === 0 ? TOPIC_PARTITIONS_DEFAULT : partitions;
    if (!Number.isSafeInteger(count) || count < 1 || count > this.opts.maxPartitionsPerTopic) {
      throw new InvalidConfigError(`partitions must be in [1, ${this.opts.maxPartitionsPerTopic}], got ${partitions}`);
    }
    const config = effectiveLogConfig(this.opts.logDefaults, overrides, name);
    if (this.topics.has(name)) throw new TopicAlreadyExistsError(`topic ${name} already exists`);
    if (this.busy.has(name)) throw new TopicAlreadyExistsError(`topic ${name} is being created or deleted`);
    if (this.topics.size + this.busy.size >= this.opts.maxTopics) {
      throw new LimitExceededError(`the broker holds its maximum of ${this.opts.maxTopics} topics`);
    }
    this.busy.add(name);
    try {
      // Directories of a stray topic, or of a delete that failed half-way, must not leak into
      // the new topic.
      if (this.strayNames.has(name) || this.store.isDeleting(name)) {
        await this.opts.logManager.deleteLogs(name);
        this.strayNames.delete(name);
      }
      const stored: StoredTopic = { name, partitions: count, config: overrides, createdAtMs: Date.now() };
      await this.store.add(stored);
      let topic: Topic;
      try {
        topic = await this.openTopic(stored, config);
      } catch (err) {
        await this.store.remove(name).catch(() => undefined);
        await this.opts.logManager.deleteLogs(name).catch(() => undefined);
        throw err;
      }
      this.topics.set(name, topic);
      this.opts.logger.info({ topic: name, partitions: count }, 'topic created');
      return topic;
    } finally {
      this.busy.delete(name);
    }
  }

  async deleteTopic(name: string): Promise<void> {
    validateTopicName(name);
    const topic = this.topics.get(name);
    if (!topic || this.busy.has(name)) throw new UnknownTopicError(`unknown topic ${name}`);
    this.busy.add(name);
    this.topics.delete(name); // new requests see UnknownTopicError from here on
    try {
      try {
        await this.store.remove(name);
      } catch (err) {
        this.topics.set(name, topic);
        throw err;
      }
      for (const p of topic.partitions) p?.detach();
      await this.opts.logManager.deleteLogs(name);
      await this.store.finishDelete(name).catch((err: unknown) => {
        // The mark only makes the next start delete directories that are already gone.
        this.opts.logger.warn({ err, topic: name }, 'could not clear the deleting mark of a deleted topic');
      });
      this.opts.logger.info({ topic: name }, 'topic deleted');
    } finally {
      this.busy.delete(name);
    }
  }

  /**
   * Changes a topic's settings live (`strata topic alter`, Kafka's AlterConfigs): `set` gives
   * settings new values, `remove` sends them back to the broker's value (see alterOverrides).
   * Validated as a whole first, then persisted (topics.json, atomically), then applied to every
   * partition's log: the next append, roll, retention check and cleaning run with it. With
   * `validateOnly` nothing changes. Returns the topic as it is now.
   *
   * Alters run one at a time, so two alters of one topic cannot both start from the same
   * overrides and lose one's change. They are rare; one chain for the broker is enough.
   */
  alterTopicConfig(name: string, change: TopicConfigChange): Promise<Topic> {
    const run = this.alterChain.then(() => this.alterOnce(name, change));
    this.alterChain = run.catch(() => undefined);
    return run;
  }

  /** Applies `overrides` as the topic's whole set of overrides (Kafka's non-incremental AlterConfigs). */
  replaceTopicConfig(name: string, overrides: TopicOverrides, validateOnly = false): Promise<Topic> {
    return this.alterTopicConfig(name, { replace: overrides, validateOnly });
  }

  private async alterOnce(name: string, change: TopicConfigChange): Promise<Topic> {
    validateTopicName(name);
    const topic = this.topics.get(name);
    if (!topic || this.busy.has(name)) throw new UnknownTopicError(`unknown topic ${name}`);
    const overrides = change.replace ?? change.apply?.(topic.overrides, topic.config) ?? topic.overrides;
    const config = effectiveLogConfig(this.opts.logDefaults, overrides, name);
    if (change.validateOnly) return { ...topic, overrides, config };
    await this.store.setConfig(name, overrides);
    // A delete that started while topics.json was written has taken the topic away: nothing to apply.
    if (this.topics.get(name) !== topic) throw new UnknownTopicError(`topic ${name} was deleted`);
    const next: Topic = { ...topic, overrides, config };
    for (const p of topic.partitions) if (p) p.log.config = config;
    this.topics.set(name, next);
    this.opts.logger.info({ topic: name, overrides }, 'topic config altered');
    return next;
  }

  /** Detaches every partition and waits for pending topics.json writes; logs are closed by LogManager. */
  async close(): Promise<void> {
    for (const t of this.topics.values()) for (const p of t.partitions) p?.detach();
    await this.store.settled();
  }

  // ---- cluster mode: the topics live in etcd, this broker holds some of their replicas ----------

  /**
   * Cluster mode: opens this broker's replica of `name`-`index` (creating its directory when
   * new, keeping what an earlier run left there: a returning replica converges by truncation,
   * never by starting empty). The topic is known in memory only; etcd is its record, so
   * topics.json is not written.
   */
  async openReplica(info: ReplicaTopicInfo, index: number): Promise<Partition> {
    let topic = this.topics.get(info.name);
    const existing = topic?.partitions[index];
    if (existing) return existing;
    if (topic && topic.createdAtMs !== info.createdAtMs) {
      // Deleted and created again under the same name: the old replicas must not leak into the new topic.
      await this.dropReplicas(info.name);
      topic = undefined;
    }
    if (!topic) {
      const config = effectiveLogConfig(this.opts.logDefaults, info.config, info.name);
      topic = { name: info.name, overrides: info.config, config, partitions: new Array<Partition | undefined>(info.partitions).fill(undefined), createdAtMs: info.createdAtMs };
      this.topics.set(info.name, topic);
    }
    // Data left from an earlier topic of this name (deleted while this broker was down) is
    // dropped, not served as this topic's (partition-metadata.ts).
    const topicId = String(info.createdAtMs);
    const dir = join(this.opts.logManager.dataDir, partitionDirName(info.name, index));
    const onDisk = await readPartitionTopicId(dir);
    if (onDisk !== null && onDisk !== topicId) {
      this.opts.logger.warn({ topic: info.name, partition: index, oldTopicId: onDisk, topicId },
        'dropping a replica of an earlier topic of this name (deleted and created again while this broker was away)');
      await this.opts.logManager.deleteLogs(info.name, index);
    }
    const log = await this.opts.logManager.openLog(info.name, index, topic.config);
    if (onDisk !== topicId) await writePartitionTopicId(dir, topicId);
    let partition: Partition;
    try {
      partition = await Partition.open({
        topic: info.name, index, log, producerIds: this.opts.producerIds, logger: this.opts.logger.child({ topic: info.name, partition: index }),
      });
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw new StorageError(`cannot open ${info.name}-${index}: ${ioErrorDetail(err)}`, { cause: err });
    }
    (topic.partitions as Array<Partition | undefined>)[index] = partition;
    return partition;
  }

  /**
   * Cluster mode: the topic's etcd record has these overrides (an alter on some broker); this
   * broker's replicas of it run with them from now on, as after an alter here. Memory only:
   * etcd is the record, and a restart opens the replicas with what it says. Ignores a topic this
   * broker holds no replica of, or one of an older incarnation (`createdAtMs` differs).
   * Returns whether anything changed.
   */
  applyClusterConfig(name: string, overrides: TopicOverrides, createdAtMs: number): boolean {
    const topic = this.topics.get(name);
    if (!topic || topic.createdAtMs !== createdAtMs || topic.overrides === overrides) return false;
    if (sameOverrides(topic.overrides, overrides)) {
      // Same content, newer object: remember it so the next comparison is by reference.
      this.topics.set(name, { ...topic, overrides });
      return false;
    }
    let config: LogConfig;
    try {
      config = effectiveLogConfig(this.opts.logDefaults, overrides, name);
    } catch (err) {
      // Validated by the broker that wrote it, against its own defaults; these may differ.
      this.opts.logger.error({ err, topic: name, overrides }, 'topic settings from the cluster are invalid on this broker; keeping the old ones');
      return false;
    }
    for (const p of topic.partitions) if (p) p.log.config = config;
    this.topics.set(name, { ...topic, overrides, config });
    this.opts.logger.info({ topic: name, overrides }, 'topic config changed in the cluster; applied');
    return true;
  }

  /** Cluster mode: forgets the topic and deletes this broker's replicas of it (the topic left etcd). */
  async dropReplicas(name: string): Promise<void> {
    const topic = this.topics.get(name);
    this.topics.delete(name);
    for (const p of topic?.partitions ?? []) p?.detach();
    await this.opts.logManager.deleteLogs(name);
  }

  private async openTopic(stored: StoredTopic, config?: LogConfig): Promise<Topic> {
    const logConfig = config ?? effectiveLogConfig(this.opts.logDefaults, stored.config, stored.name);
    const partitions: Partition[] = [];
    try {
      for (let i = 0; i < stored.partitions; i++) {
        const log = await this.opts.logManager.openLog(stored.name, i, logConfig);
        partitions.push(await Partition.open({
          topic: stored.name, index: i, log, producerIds: this.opts.producerIds, logger: this.opts.logger.child({ topic: stored.name, partition: i }),
        }));
      }
    } catch (err) {
      for (const p of partitions) p.detach();
      if (err instanceof StorageError) throw err;
      throw new StorageError(`cannot open topic ${stored.name}: ${ioErrorDetail(err)}`, { cause: err });
    }
    return { name: stored.name, overrides: stored.config, config: logConfig, partitions, createdAtMs: stored.createdAtMs };
  }

  /**
   * Deletes whose removal from topics.json was persisted but whose directories may remain (the
   * broker died in between): removed now, before anything could open them.
   */
  private async finishInterruptedDeletes(): Promise<void> {
    for (const name of this.store.deleting()) {
      await this.opts.logManager.deleteLogs(name);
      await this.store.finishDelete(name);
      this.opts.logger.warn({ topic: name }, 'finished the deletion of a topic interrupted by a crash');
    }
  }

  /**
   * Directories of topics topics.json does not list are left alone, only reported: with
   * topics.json lost or replaced they would be the broker's only copy of its data. Deletes this
   * broker started are finished by finishInterruptedDeletes instead.
   */
  private async warnAboutUnknownDirs(): Promise<void> {
    const unknown: string[] = [];
    for (const entry of await readdir(this.opts.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const parsed = parsePartitionDirName(entry.name);
      if (!parsed) continue; // not a partition directory (or storage's '-delete' leftovers)
      const topic = this.topics.get(parsed.topic);
      if (!topic || parsed.partition >= topic.partitions.length) {
        unknown.push(entry.name);
        this.strayNames.add(parsed.topic);
      }
    }
    if (unknown.length > 0) {
      this.opts.logger.warn({ dirs: unknown.slice(0, 20), count: unknown.length }, 'ignoring partition directories of unknown topics');
    }
  }
}
