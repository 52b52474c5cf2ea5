/**
 * Topic administration and cluster metadata: CreateTopics, DeleteTopics, ListTopics, Metadata,
 * ListOffsets and the topic settings (DescribeTopicConfigs, AlterTopicConfigs). Every call is retried on retriable errors by the client's retry policy.
 * Per-topic failures come back as typed errors: the single-topic methods throw them, the
 * plural ones return them per topic.
 *
 * Concurrency: any number of concurrent calls share the client's admin connection.
 */
import { ConnectionClosedError, errorFromWire, InvalidConfigError, StrataError, UnknownTopicError } from '../proto/errors.js';
import type { Connection, RequestBody, ResponseBody } from './connection.js';
import { LeaderRouter } from './leader-router.js';
import { checkOffset, listOffsets, specToQuery } from './list-offsets.js';
import { retry, type RetryPolicy } from './retry.js';
import { fetchBrokerStats, type BrokerStats } from './broker-stats.js';
import { alterTopicSettings, describeTopicSettings, type TopicConfigAlteration, type TopicSettingDescription } from './topic-settings.js';

/** Durability of a topic's appends; 'default' inherits the broker's policy. */
export type FlushPolicy = 'default' | 'always' | 'interval' | 'never';
const FLUSH_POLICY_WIRE: Readonly<Record<FlushPolicy, number>> = Object.freeze({ default: 0, always: 1, interval: 2, never: 3 });
const FLUSH_POLICY_NAME: readonly FlushPolicy[] = ['default', 'always', 'interval', 'never'];

/** Per-topic log settings; an omitted (or 0) value means the broker's default. */
export interface TopicConfig {
  /** Delete segments whose newest record is older than this; -1 keeps forever. @default broker default (7 days) */
  retentionMs?: number;
  /** Delete the oldest segments while the partition is larger than this; -1 is unlimited. @default broker default (-1) */
  retentionBytes?: number;
  /** Roll a segment at this size. @default broker default (1 GiB) */
  segmentBytes?: number;
  /** Roll a segment when its first record is this old. @default broker default (7 days) */
  segmentMs?: number;
  /** @default 'default' (the broker's policy) */
  flushPolicy?: FlushPolicy;
  /** fsync period under the 'interval' policy. @default broker default (1000) */
  flushIntervalMs?: number;
}

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** @default 1 */
  partitions?: number;
  /** @default every setting from the broker's defaults */
  config?: TopicConfig;
  /** Replicas of each partition; more than 1 needs a cluster with that many live brokers. @default 1 */
  replicationFactor?: number;
  /** In-sync replicas an acks=all produce needs. @default min(2, replicationFactor) */
  minInsyncReplicas?: number;
}

/** Outcome for one topic of createTopics()/deleteTopics(). */
export interface TopicResult {
  name: string;
  /** Null on success. */
  error: StrataError | null;
}

/**
 * One partition as the broker describes it: its replication state as the cluster has it, and
 * the log figures of the answering broker's own replica (-1 each when it holds none).
 */
export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segmentCount: number;
  /** -1 while the partition has no leader. */
  leader: number;
  /** The leader's epoch (bumped on every leader change); -1 when unknown. */
  leaderEpoch: number;
  /** Broker ids holding a replica, preferred leader first. */
  replicas: number[];
  /** The in-sync replicas. */
  isr: number[];
  /** Replicas whose broker is not live now. */
  offlineReplicas: number[];
}

export interface TopicDescription {
  name: string;
  /** Replicas per partition (1 on a single node). */
  replicationFactor: number;
  /** In-sync replicas an acks=all produce needs. */
  minInsyncReplicas: number;
  partitions: PartitionDescription[];
  /** The topic's effective settings as the broker reports them. */
  config: Required<TopicConfig>;
}

export interface ClusterMetadata {
  nodeId: number;
  brokerUrl: string;
  topics: TopicDescription[];
}

/** What `admin().clusterInfo()` returns. */
export interface ClusterInfo {
  /** The broker that answered. */
  nodeId: number;
  mode: 'single-node' | 'cluster';
  /** -1 while there is none. */
  controllerId: number;
  /** Live brokers, and brokers named as replicas that are not live (`alive: false`, no URL). */
  brokers: Array<{ nodeId: number; url: string; alive: boolean }>;
  topics: Array<{
    name: string;
    error: StrataError | null;
    replicationFactor: number;
    minInsyncReplicas: number;
    partitions: Array<{
      partition: number;
      /** -1 while the partition has no leader. */
      leader: number;
      leaderEpoch: number;
      replicas: number[];
      isr: number[];
      /** The leader's; -1 when its leader could not be asked. */
      highWatermark: number;
    }>;
  }>;
}

/** Where listOffsets() looks: the log start, the log end, or the first record at/after a timestamp (ms). */
export type OffsetQuerySpec = 'earliest' | 'latest' | number | { timestamp: number };

export interface AdminDeps {
  connection: Connection;
  retry: RetryPolicy;
  /** Finds a live broker when the current one is gone (and partition leaders). @default `connection` alone */
  router?: LeaderRouter;
}

export class Admin {
  private readonly router: LeaderRouter;
  private readonly policy: RetryPolicy;

  constructor(private readonly deps: AdminDeps) {
    this.router = deps.router ?? new LeaderRouter({ first: deps.connection });
    this.policy = deps.retry;
  }

  /** Closes the connections the router opened to other brokers (the admin connection is the client's). */
  async closeExtraConnections(): Promise<void> {
    await this.router.close({ keepFirst: true });
  }

  /** The broker admin requests go to: the one that last answered Metadata (any broker serves them). */
  private get conn(): Connection {
    return this.router.anyConnection();
  }

  /** Creates one topic; throws TopicAlreadyExistsError, InvalidTopicNameError, InvalidConfigError... */
  async createTopic(topic: NewTopic): Promise<void> {
    const [result] = await this.createTopics([topic]);
    if (result?.error) throw result.error;
  }

  async createTopics(topics: readonly NewTopic[]): Promise<TopicResult[]> {
    const body: RequestBody<'createTopics'> = { topics: topics.map((t) => ({
      name: t.name, partitions: partitionsOf(t), config: configToWire(t.config),
      replicationFactor: t.replicationFactor ?? 0, minInsyncReplicas: t.minInsyncReplicas ?? 0,
    })) };
    const res = await this.call(() => this.conn.request('createTopics', body));
    return topicResults(topics.map((t) => t.name), res.topics ?? []);
  }

  /** Deletes one topic and its data; throws UnknownTopicError if it does not exist. */
  async deleteTopic(name: string): Promise<void> {
    const [result] = await this.deleteTopics([name]);
    if (result?.error) throw result.error;
  }

  async deleteTopics(names: readonly string[]): Promise<TopicResult[]> {
    const res = await this.call(() => this.conn.request('deleteTopics', { names: [...names] }));
    return topicResults(names, res.topics ?? []);
  }

  /** The broker's version, uptime, listeners, flush policy, data size and traffic totals (see BrokerStats). */
  async brokerStats(): Promise<BrokerStats> {
    return this.call(() => fetchBrokerStats(this.conn));
  }

  async listTopics(): Promise<string[]> {
    const res = await this.call(() => this.conn.request('listTopics', {}));
    return [...(res.names ?? [])].sort();
  }

  /** Describes one topic; throws UnknownTopicError if it does not exist. */
  async describeTopic(name: string): Promise<TopicDescription> {
    const [d] = await this.describeTopics([name]);
    return d!;
  }

  /** Describes topics in the order asked; throws the first per-topic error. */
  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    if (names.length === 0) return [];
    const meta = await this.fetchMetadata([...names]);
    const byName = new Map((meta.topics ?? []).map((t) => [t.name ?? '', t]));
    const live = liveIds(meta);
    return names.map((name) => {
      const t = byName.get(name);
      if (!t) throw new UnknownTopicError(`topic ${name} does not exist`);
      if (t.error && t.error.code) throw errorFromWire(t.error, { topic: name });
      return describe(t, live);
    });
  }

  /** The broker and every topic it has (or those named). */
  async metadata(topics: readonly string[] = []): Promise<ClusterMetadata> {
    const meta = await this.fetchMetadata([...topics]);
    return {
      nodeId: meta.nodeId ?? 0,
      brokerUrl: meta.brokerUrl ?? '',
      topics: (meta.topics ?? []).filter((t) => !(t.error && t.error.code)).map((t) => describe(t, liveIds(meta))),
    };
  }

  /**
   * The offset at the log start ('earliest'), the log end ('latest': the next offset to be
   * written) or of the first record whose timestamp is at or after `timestamp` (offset -1 when
   * there is none).
   */
  async listOffsets(topic: string, partition: number, spec: OffsetQuerySpec): Promise<{ offset: number; timestamp: number }> {
    const timestamp = typeof spec === 'number' ? checkOffset(spec, 'timestamp') : specToQuery(spec);
    const [r] = await this.call(() => listOffsets(this.router, [{ topic, partition, timestamp }]));
    return { offset: r!.offset, timestamp: r!.timestamp };
  }

  /**
   * Every setting of a topic, by Kafka's names, with its effective value and where it comes
   * from (the topic, a broker flag, the built-in default). Throws UnknownTopicError.
   */
  async describeTopicConfig(name: string): Promise<TopicSettingDescription[]> {
    return this.call(() => describeTopicSettings(this.conn, name));
  }

  /**
   * Changes a topic's settings live and persistently: `set` gives new values, `delete` sends
   * settings back to the broker's value. The whole change is validated first; a bad value
   * throws InvalidConfigError and changes nothing.
   */
  async alterTopicConfig(name: string, change: TopicConfigAlteration): Promise<void> {
    await this.call(() => alterTopicSettings(this.conn, name, change));
  }

  /**
   * The cluster as the brokers see it: every broker (alive or only named as a replica), the
   * controller, and per partition its leader, epoch, replicas, ISR and high watermark. The high
   * watermark is the leader's own figure, so each partition's leader is asked for it.
   */
  async clusterInfo(topics: readonly string[] = []): Promise<ClusterInfo> {
    const res = await this.call(() => this.conn.request('clusterInfo', { topics: [...topics] }));
    await this.router.metadata([...topics]).catch(() => undefined); // learns every broker's URL
    const hw = new Map<string, number>();
    const leaders = new Set<number>();
    for (const t of res.topics ?? []) for (const p of t.partitions ?? []) if ((p.leader ?? -1) >= 0 && (p.leader ?? -1) !== res.nodeId) leaders.add(p.leader!);
    await Promise.all([...leaders].map(async (id) => {
      const conn = this.router.nodeConnection(id);
      if (!conn) return;
      const other = await conn.request('clusterInfo', { topics: [...topics] }).catch(() => null);
      for (const t of other?.topics ?? []) for (const p of t.partitions ?? []) {
        if ((p.leader ?? -1) === id && Number(p.highWatermark ?? -1) >= 0) hw.set(`${t.name}\u0000${p.partition ?? 0}`, Number(p.highWatermark));
      }
    }));
    return {
      nodeId: res.nodeId ?? -1,
      mode: res.mode === 'cluster' ? 'cluster' : 'single-node',
      controllerId: res.controllerId ?? -1,
      brokers: (res.brokers ?? []).map((b) => ({ nodeId: b.nodeId ?? -1, url: b.url ?? '', alive: b.alive ?? false })),
      topics: (res.topics ?? []).map((t) => ({
        name: t.name ?? '',
        error: t.error && t.error.code ? errorFromWire(t.error, { topic: t.name ?? '' }) : null,
        replicationFactor: t.replicationFactor ?? 0,
        minInsyncReplicas: t.minInsyncReplicas ?? 0,
        partitions: (t.partitions ?? []).map((p) => ({
          partition: p.partition ?? 0,
          leader: p.leader ?? -1,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicas ?? [],
          isr: p.isr ?? [],
          highWatermark: hw.get(`${t.name}\u0000${p.partition ?? 0}`) ?? Number(p.highWatermark ?? -1),
        })),
      })),
    };
  }

  private fetchMetadata(topics: string[]): Promise<ResponseBody<'metadata'>> {
    return this.call(() => this.conn.request('metadata', { topics }));
  }

  /**
   * Retries retriable failures; a lost broker first makes the router find a live one (Metadata
   * asked of every known broker), so the retry goes there.
   */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    return retry(async () => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof ConnectionClosedError) await this.router.metadata([]).catch(() => undefined);
        throw err;
      }
    }, this.policy, { stopped: () => this.deps.connection.isClosed });
  }
}

function partitionsOf(t: NewTopic): number {
  const n = t.partitions ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new InvalidConfigError(`topic ${t.name}: partitions must be a positive integer, got ${n}`);
  return n;
}

type WireTopicConfig = NonNullable<NonNullable<RequestBody<'createTopics'>['topics']>[number]['config']>;

function configToWire(c: TopicConfig | undefined): WireTopicConfig {
  if (!c) return {};
  const policy = c.flushPolicy ?? 'default';
  if (!(policy in FLUSH_POLICY_WIRE)) throw new InvalidConfigError(`unknown flushPolicy ${String(policy)}`);
  return {
    retentionMs: c.retentionMs ?? 0,
    retentionBytes: c.retentionBytes ?? 0,
    segmentBytes: c.segmentBytes ?? 0,
    segmentMs: c.segmentMs ?? 0,
    flushPolicy: FLUSH_POLICY_WIRE[policy],
    flushIntervalMs: c.flushIntervalMs ?? 0,
  };
}

type WireTopicMetadata = NonNullable<ResponseBody<'metadata'>['topics']>[number];

/** Node ids of the live brokers a Metadata answer names. */
function liveIds(meta: ResponseBody<'metadata'>): ReadonlySet<number> {
  return new Set((meta.brokers ?? []).map((b) => b.nodeId ?? -1));
}

function describe(t: WireTopicMetadata, live: ReadonlySet<number>): TopicDescription {
  const c = t.config ?? {};
  return {
    name: t.name ?? '',
    replicationFactor: t.replicationFactor ?? 1,
    minInsyncReplicas: t.minInsyncReplicas ?? 1,
    partitions: (t.partitions ?? []).map((p) => {
      const replicas = [...(p.replicas ?? [])];
      return {
        partition: p.partition ?? 0,
        logStartOffset: Number(p.logStartOffset ?? 0),
        logEndOffset: Number(p.logEndOffset ?? 0),
        sizeBytes: Number(p.sizeBytes ?? 0),
        segmentCount: p.segmentCount ?? 0,
        leader: p.leader ?? 0,
        leaderEpoch: p.leaderEpoch ?? -1,
        replicas,
        isr: [...(p.isr ?? [])],
        // A broker older than clusters names no brokers: nothing is known to be offline then.
        offlineReplicas: live.size === 0 ? [] : replicas.filter((id) => !live.has(id)),
      };
    }).sort((a, b) => a.partition - b.partition),
    config: {
      retentionMs: Number(c.retentionMs ?? 0),
      retentionBytes: Number(c.retentionBytes ?? 0),
      segmentBytes: Number(c.segmentBytes ?? 0),
      segmentMs: Number(c.segmentMs ?? 0),
      flushPolicy: FLUSH_POLICY_NAME[c.flushPolicy ?? 0] ?? 'default',
      flushIntervalMs: c.flushIntervalMs ?? 0,
    },
  };
}

function topicResults(names: readonly string[], wire: ReadonlyArray<{ name?: string | null; error?: { code?: number | null; message?: string | null } | null }>): TopicResult[] {
  const byName = new Map(wire.map((t) => [t.name ?? '', t]));
  return names.map((name) => {
    const t = byName.get(name);
    const error = t?.error && t.error.code ? errorFromWire(t.error, { topic: name }) : null;
    return { name, error };
  });
}
