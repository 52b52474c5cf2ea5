/**
 * Broker configuration: what the CLI (or an embedding program) passes to `new Broker(...)`.
 * `resolveBrokerConfig` fills defaults from broker/constants.ts and storage's DEFAULT_LOG_CONFIG
 * and rejects anything out of range with InvalidConfigError, so a bad value fails at start-up
 * rather than on the first request that touches it.
 */
import { checkRack } from './cluster/broker-info.js';
import { FRAME_BYTES_MAX } from '../proto/constants.js';
import { InvalidConfigError } from '../proto/errors.js';
import {
  CONNECTIONS_MAX_DEFAULT, FETCH_WAIT_MS_MAX_CEILING, FETCH_WAIT_MS_MAX_DEFAULT, HANDSHAKE_TIMEOUT_MS_DEFAULT,
  HANDSHAKE_TIMEOUT_MS_MAX, HANDSHAKE_TIMEOUT_MS_MIN, HOST_DEFAULT, PENDING_HANDSHAKES_MAX_DEFAULT,
  IDLE_TIMEOUT_MS_DEFAULT, IDLE_TIMEOUT_MS_MIN, IN_FLIGHT_REQUESTS_PER_CONNECTION_DEFAULT, KAFKA_IDLE_TIMEOUT_MS_DEFAULT, NODE_ID_DEFAULT,
  PARTITIONS_PER_TOPIC_DEFAULT_MAX, PARTITIONS_PER_TOPIC_MAX, PORT_DEFAULT, SLOW_CONSUMER_BUFFERED_BYTES_MAX_DEFAULT,
  SLOW_CONSUMER_DROP_MS_DEFAULT, TOPICS_MAX_DEFAULT,
} from './constants.js';
import {
  OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT, OFFSETS_RETENTION_CHECK_INTERVAL_MS_MIN, OFFSETS_RETENTION_MS_DEFAULT, OFFSETS_RETENTION_MS_MIN,
  OFFSETS_TOPIC_PARTITIONS_CLUSTER_DEFAULT, OFFSETS_TOPIC_PARTITIONS_CLUSTER_MAX,
} from './groups/constants.js';
import { parseOriginPolicy, SAME_ORIGIN, type OriginPolicy } from './http/origin-policy.js';
import { LEASE_TTL_S_DEFAULT, LEASE_TTL_S_MAX, LEASE_TTL_S_MIN } from './cluster/constants.js';
import { parseEtcdUrl, type EtcdEndpoints } from './cluster/etcd-endpoints.js';
import type { LogLevel } from './logger.js';
import { REPLICA_LAG_MS_DEFAULT, REPLICA_LAG_MS_MIN } from './replication/constants.js';
import {
  CLEANER_BACKOFF_MS, CLEANER_BUFFER_BYTES_DEFAULT, CLEANER_BUFFER_BYTES_MIN, CLEANER_IO_BYTES_PER_SECOND_DEFAULT,
} from './storage/cleaner/constants.js';
import { INDEX_CACHE_BYTES_MAX, TAIL_CACHE_BYTES_MAX, TAIL_CACHE_PARTITION_BYTES_MAX } from './storage/constants.js';
import { DEFAULT_LOG_CONFIG, validateLogConfig as validateStorageLogConfig, type LogConfig } from './storage/log-config.js';
import type { StorageMemory } from './storage/log-manager.js';
import type { CleanerThreadPriority } from './storage/cleaner/thread-priority.js';
import { resolveTlsConfig, isMutualTls, type TlsConfig, type TlsConfigInput } from './security/tls-config.js';
import { checkListenersSafe, resolveSecurityConfig, type SecurityConfig, type SecurityConfigInput } from './security/security-config.js';

export type { AuthMode, SecurityConfig, SecurityConfigInput } from './security/security-config.js';

/** Bounds on what clients can make the broker hold. */
export interface BrokerLimits {
  /**
   * Open connections to the WebSocket port, counted from TCP accept; past it the oldest pending
   * handshake is dropped, or the new connection refused with HTTP 503 when none is pending. @default 1024
   */
  maxConnections: number;
  /** A connection not upgraded this long after accept is dropped. @default 5000 */
  handshakeTimeoutMs: number;
  /** Accepted, not yet upgraded connections; past it the oldest is dropped. @default 256 */
  pendingHandshakesMax: number;
  /**
   * Open connections from one IP address over both listeners (Kafka's max.connections.per.ip);
   * the next is closed at TCP accept. 0: no limit. @default 0
   */
  maxConnectionsPerIp: number;
  /**
   * Connection attempts per second from one IP address over both listeners, measured over the
   * quota window (11 s; so a burst of about 10 s worth passes first); past it attempts are
   * closed at TCP accept, and still counted. 0: no limit. @default 0
   */
  maxConnectionAttemptsPerIpPerSecond: number;
  /** Outstanding requests per connection; the excess gets TooManyRequestsError. @default 64 */
  maxInFlightRequestsPerConnection: number;
  /** Topics on this broker; CreateTopics past it gets LimitExceededError. @default 10000 */
  maxTopics: number;
  /** Partitions per topic. @default 1000 (at most 10000) */
  maxPartitionsPerTopic: number;
  /** Largest WebSocket frame accepted (ws maxPayload); at most the wire FRAME_BYTES_MAX. @default FRAME_BYTES_MAX */
  frameBytesMax: number;
  /** Cap on a fetch's max_wait_ms. @default 30000 */
  fetchWaitMsMax: number;
  /** A connection answering no ping for this long is terminated. @default 60000 */
  idleTimeoutMs: number;
  /** ws.bufferedAmount above which a connection's fetches are held back. @default 64 MiB */
  slowConsumerBufferedBytesMax: number;
  /** How long a connection may stay above that cap before it is terminated. @default 30000 */
  slowConsumerDropMs: number;
}

/** The Kafka-protocol listener (broker/kafka/). */
export interface KafkaListenerConfig {
  /** @default '127.0.0.1' (the CLI's --kafka-listen) */
  host: string;
  /** 0 lets the OS pick a free port. @default 9092 (the CLI's --kafka-listen) */
  port: number;
  /** The address Metadata and FindCoordinator give clients; the bound address when unset. */
  advertise: { host: string; port: number } | null;
  /** A connection with nothing in flight and no bytes received for this long is closed. @default 600000 */
  idleTimeoutMs: number;
}

/** Cluster mode (`--cluster`): membership in etcd, replicated partitions. */
export interface ClusterConfig {
  /** The etcd members and the cluster's key prefix. */
  etcd: EtcdEndpoints;
  /** The ws:// URL other brokers and clients reach this broker at. @default the bound listener's URL */
  advertise: string | null;
  /**
   * The ws:// URL other brokers replicate from (Kafka's inter-broker listener address), when
   * broker-to-broker traffic takes another route than clients' (a private network, or a fault
   * proxy in tests). @default the `advertise` URL
   */
  replicationAdvertise: string | null;
  /** TTL of the broker's etcd lease. @default LEASE_TTL_S_DEFAULT (2 s) */
  leaseTtlS: number;
  /** A follower not caught up for this long leaves the ISR. @default REPLICA_LAG_MS_DEFAULT (10 s) */
  replicaLagMs: number;
  /** Let an out-of-sync replica lead when no ISR member is alive (may lose acknowledged records). @default false */
  uncleanLeaderElection: boolean;
  /** Partitions of `__consumer_offsets` when this broker (as controller) creates it. @default OFFSETS_TOPIC_PARTITIONS_CLUSTER_DEFAULT (12) */
  offsetsTopicPartitions: number;
  /** This broker's rack (Kafka's broker.rack): replicas of a partition go to distinct racks first. @default null (none) */
  rack: string | null;
}

/** The log cleaner (compaction of topics with cleanup.policy=compact). */
export interface CleanerConfig {
  /** Memory of the key → offset map of a cleaning pass. @default 32 MiB (CLEANER_BUFFER_BYTES_DEFAULT) */
  bufferBytes: number;
  /** Cleaner reads and writes per second; 0 is unlimited. @default 32 MiB (CLEANER_IO_BYTES_PER_SECOND_DEFAULT) */
  ioBytesPerSecond: number;
  /** Pause between looks for a dirty log when none needed cleaning. @default 15000 (CLEANER_BACKOFF_MS) */
  backoffMs: number;
  /**
   * CPU priority of the cleaner's worker thread: 'idle' (SCHED_IDLE on Linux: it uses only CPU the
   * broker's threads leave, so it may fall behind on a saturated broker) or 'normal'. @default 'idle'
   */
  threadPriority: CleanerThreadPriority;
}

/** Consumer groups' committed offsets. */
export interface GroupsConfig {
  /** Offsets of a group without members expire this long after it emptied (Kafka's offsets.retention.minutes). @default 7 days */
  offsetsRetentionMs: number;
  /** How often expired offsets are looked for (Kafka's offsets.retention.check.interval.ms). @default 600000 */
  offsetsRetentionCheckIntervalMs: number;
}

/** The plain-HTTP side of the WebSocket port (broker/http/) and the metrics (broker/metrics/). */
export interface HttpConfig {
  /** Browser Origins allowed to open a WebSocket; no Origin header is always allowed. @default same-origin */
  allowedOrigins: OriginPolicy;
  /** Serve /metrics and count what it reports. @default true */
  metrics: boolean;
  /** Where the web console's built files are. @default dist/console/ (CONSOLE_DIR_DEFAULT) */
  consoleDir: string | null;
}

/** Knobs that exist for tests only; never set them in production. */
export interface TestingConfig {
  /** Holds recovery back this long after the listener binds, so tests can watch /readyz say 503. @default 0 */
  recoveryDelayMs: number;
  /**
   * Segment size of the __consumer_offsets logs instead of OFFSETS_SEGMENT_BYTES (16 MiB), so a
   * test sees the broker's cleaner compact them after a few thousand commits. @default null
   */
  offsetsSegmentBytes: number | null;
}

export interface BrokerConfig {
  /** Directory holding topics.json, producer-ids.json and one directory per partition. */
  dataDir: string;
  /** @default '127.0.0.1' */
  host: string;
  /** 0 lets the OS pick a free port (Broker.start() returns it). @default 7171 */
  port: number;
  /** This broker's id, reported in ApiVersions and Metadata. @default 0 */
  nodeId: number;
  /** Log defaults for every partition; topics may override them. */
  log: LogConfig;
  /** The fields of `log` given explicitly (broker flags); the others are storage's built-in defaults. */
  logExplicit: ReadonlyArray<keyof LogConfig>;
  /** @default 'info' */
  logLevel: LogLevel;
  limits: BrokerLimits;
  /** Memory budgets of the storage caches (sealed indexes, tail caches). */
  memory: StorageMemory;
  cleaner: CleanerConfig;
  groups: GroupsConfig;
  /** null: no Kafka listener (the default for embedding; the CLI turns it on at 127.0.0.1:9092). */
  kafka: KafkaListenerConfig | null;
  /** Authentication and the safe-default check (broker/security/security-config.ts). */
  security: SecurityConfig;
  /** Certificate, key and CA of both listeners (broker/security/tls-config.ts); null: plaintext. */
  tls: TlsConfig | null;
  http: HttpConfig;
  testing: TestingConfig;
  /** null: a broker alone (the default; no etcd needed). */
  cluster: ClusterConfig | null;
}

/** What callers pass: only dataDir is required. */
export interface BrokerConfigInput {
  dataDir: string;
  host?: string;
  port?: number;
  nodeId?: number;
  log?: Partial<LogConfig>;
  logLevel?: LogLevel;
  limits?: Partial<BrokerLimits>;
  memory?: Partial<StorageMemory>;
  cleaner?: Partial<CleanerConfig>;
  groups?: Partial<GroupsConfig>;
  /** Omitted or null: no Kafka listener. */
  kafka?: (Partial<KafkaListenerConfig> & { port: number }) | null;
  /** @default { auth: 'none', superUsers: [], allowAnonymous: false } */
  security?: SecurityConfigInput;
  /** `{ certFile, keyFile, caFile? }`: wss:// and Kafka SSL; with caFile, client certificates required. @default null */
  tls?: TlsConfigInput | null;
  /** `allowedOrigins` may be given as the CLI's text ('same-origin', '*', or a comma-separated list). */
  http?: Partial<Omit<HttpConfig, 'allowedOrigins'>> & { allowedOrigins?: OriginPolicy | string };
  testing?: Partial<TestingConfig>;
  /** Omitted or null: a broker alone. `etcd` may be given as an etcd:// URL. */
  cluster?: (Partial<Omit<ClusterConfig, 'etcd'>> & { etcd: EtcdEndpoints | string }) | null;
}

export const MEMORY_DEFAULT: Readonly<StorageMemory> = Object.freeze({
  indexCacheBytes: INDEX_CACHE_BYTES_MAX,
  tailCacheBytes: TAIL_CACHE_BYTES_MAX,
  tailCachePartitionBytes: TAIL_CACHE_PARTITION_BYTES_MAX,
});

export const CLEANER_DEFAULT: Readonly<CleanerConfig> = Object.freeze({
  bufferBytes: CLEANER_BUFFER_BYTES_DEFAULT,
  ioBytesPerSecond: CLEANER_IO_BYTES_PER_SECOND_DEFAULT,
  backoffMs: CLEANER_BACKOFF_MS,
  threadPriority: 'idle',
});

export const GROUPS_DEFAULT: Readonly<GroupsConfig> = Object.freeze({
  offsetsRetentionMs: OFFSETS_RETENTION_MS_DEFAULT,
  offsetsRetentionCheckIntervalMs: OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT,
});

export const LIMITS_DEFAULT: Readonly<BrokerLimits> = Object.freeze({
  maxConnections: CONNECTIONS_MAX_DEFAULT,
  handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS_DEFAULT,
  pendingHandshakesMax: PENDING_HANDSHAKES_MAX_DEFAULT,
  maxConnectionsPerIp: 0,
  maxConnectionAttemptsPerIpPerSecond: 0,
  maxInFlightRequestsPerConnection: IN_FLIGHT_REQUESTS_PER_CONNECTION_DEFAULT,
  maxTopics: TOPICS_MAX_DEFAULT,
  maxPartitionsPerTopic: PARTITIONS_PER_TOPIC_DEFAULT_MAX,
  frameBytesMax: FRAME_BYTES_MAX,
  fetchWaitMsMax: FETCH_WAIT_MS_MAX_DEFAULT,
  idleTimeoutMs: IDLE_TIMEOUT_MS_DEFAULT,
  slowConsumerBufferedBytesMax: SLOW_CONSUMER_BUFFERED_BYTES_MAX_DEFAULT,
  slowConsumerDropMs: SLOW_CONSUMER_DROP_MS_DEFAULT,
});

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function resolveBrokerConfig(input: BrokerConfigInput): BrokerConfig {
  if (input === null || typeof input !== 'object') throw new InvalidConfigError('broker config must be an object');
  if (typeof input.dataDir !== 'string' || input.dataDir.length === 0) throw new InvalidConfigError('dataDir is required');
  const host = input.host ?? HOST_DEFAULT;
  if (typeof host !== 'string' || host.length === 0) throw new InvalidConfigError('host must be a non-empty string');
  const port = input.port ?? PORT_DEFAULT;
  checkInt('port', port, 0, 65_535);
  const nodeId = input.nodeId ?? NODE_ID_DEFAULT;
  checkInt('nodeId', nodeId, 0, 0x7fff_ffff);
  const logLevel = input.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new InvalidConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);

  const explicitLog = stripUndefined(input.log ?? {});
  const log: LogConfig = { ...DEFAULT_LOG_CONFIG, ...explicitLog };
  validateLogConfig(log, 'log');

  const limits: BrokerLimits = { ...LIMITS_DEFAULT, ...stripUndefined(input.limits ?? {}) };
  checkInt('limits.maxConnections', limits.maxConnections, 1, 1_000_000);
  checkInt('limits.handshakeTimeoutMs', limits.handshakeTimeoutMs, HANDSHAKE_TIMEOUT_MS_MIN, HANDSHAKE_TIMEOUT_MS_MAX);
  checkInt('limits.pendingHandshakesMax', limits.pendingHandshakesMax, 1, 1_000_000);
  checkInt('limits.maxConnectionsPerIp', limits.maxConnectionsPerIp, 0, 1_000_000);
  checkInt('limits.maxConnectionAttemptsPerIpPerSecond', limits.maxConnectionAttemptsPerIpPerSecond, 0, 1_000_000);
  checkInt('limits.maxInFlightRequestsPerConnection', limits.maxInFlightRequestsPerConnection, 1, 65_536);
  checkInt('limits.maxTopics', limits.maxTopics, 1, 1_000_000);
  checkInt('limits.maxPartitionsPerTopic', limits.maxPartitionsPerTopic, 1, PARTITIONS_PER_TOPIC_MAX);
  checkInt('limits.frameBytesMax', limits.frameBytesMax, 1024, FRAME_BYTES_MAX);
  checkInt('limits.fetchWaitMsMax', limits.fetchWaitMsMax, 0, FETCH_WAIT_MS_MAX_CEILING);
  checkInt('limits.idleTimeoutMs', limits.idleTimeoutMs, IDLE_TIMEOUT_MS_MIN, 24 * 60 * 60_000);
  checkInt('limits.slowConsumerBufferedBytesMax', limits.slowConsumerBufferedBytesMax, 1024, Number.MAX_SAFE_INTEGER);
  checkInt('limits.slowConsumerDropMs', limits.slowConsumerDropMs, 1, 24 * 60 * 60_000);

  const memory: StorageMemory = { ...MEMORY_DEFAULT, ...stripUndefined(input.memory ?? {}) };
  // 0 is allowed for each: no sealed index stays loaded once its readers are done, or no tail
  // caching; both only cost speed, never correctness.
  checkInt('memory.indexCacheBytes', memory.indexCacheBytes, 0, Number.MAX_SAFE_INTEGER);
  checkInt('memory.tailCacheBytes', memory.tailCacheBytes, 0, Number.MAX_SAFE_INTEGER);
  checkInt('memory.tailCachePartitionBytes', memory.tailCachePartitionBytes, 0, Number.MAX_SAFE_INTEGER);
  if (memory.tailCacheBytes > 0 && memory.tailCachePartitionBytes > memory.tailCacheBytes) {
    throw new InvalidConfigError(`memory.tailCachePartitionBytes (${memory.tailCachePartitionBytes}) must not exceed memory.tailCacheBytes (${memory.tailCacheBytes})`);
  }

  const cleaner: CleanerConfig = { ...CLEANER_DEFAULT, ...stripUndefined(input.cleaner ?? {}) };
  checkInt('cleaner.bufferBytes', cleaner.bufferBytes, CLEANER_BUFFER_BYTES_MIN, 2 ** 31);
  checkInt('cleaner.ioBytesPerSecond', cleaner.ioBytesPerSecond, 0, Number.MAX_SAFE_INTEGER);
  checkInt('cleaner.backoffMs', cleaner.backoffMs, 1, 24 * 60 * 60_000);
  if (cleaner.threadPriority !== 'idle' && cleaner.threadPriority !== 'normal') {
    throw new InvalidConfigError(`cleaner.threadPriority must be 'idle' or 'normal', not ${JSON.stringify(cleaner.threadPriority)}`);
  }

  const groups: GroupsConfig = { ...GROUPS_DEFAULT, ...stripUndefined(input.groups ?? {}) };
  checkInt('groups.offsetsRetentionMs', groups.offsetsRetentionMs, OFFSETS_RETENTION_MS_MIN, Number.MAX_SAFE_INTEGER);
  checkInt('groups.offsetsRetentionCheckIntervalMs', groups.offsetsRetentionCheckIntervalMs, OFFSETS_RETENTION_CHECK_INTERVAL_MS_MIN, 2 ** 31 - 1);

  const testing: TestingConfig = {
    recoveryDelayMs: input.testing?.recoveryDelayMs ?? 0, offsetsSegmentBytes: input.testing?.offsetsSegmentBytes ?? null,
  };
  checkInt('testing.recoveryDelayMs', testing.recoveryDelayMs, 0, 10 * 60_000);
  if (testing.offsetsSegmentBytes !== null) checkInt('testing.offsetsSegmentBytes', testing.offsetsSegmentBytes, 1024, 2 ** 31 - 1);
  const kafka = resolveKafkaConfig(input.kafka);
  const tls = resolveTlsConfig(input.tls);
  const security = resolveSecurityConfig(input.security, isMutualTls(tls));
  checkListenersSafe(security, [{ what: 'the WebSocket listener (--host)', host }, ...(kafka ? [{ what: 'the Kafka listener (--kafka-listen)', host: kafka.host }] : [])]);
  return {
    dataDir: input.dataDir, host, port, nodeId, log, logExplicit: Object.keys(explicitLog) as Array<keyof LogConfig>, logLevel, limits, memory,
    cleaner, groups, kafka, security, tls, http: resolveHttpConfig(input.http), testing, cluster: resolveClusterConfig(input.cluster),
  };
}

function resolveHttpConfig(input: BrokerConfigInput['http']): HttpConfig {
  const origins = input?.allowedOrigins ?? SAME_ORIGIN;
  const metrics = input?.metrics ?? true;
  if (typeof metrics !== 'boolean') throw new InvalidConfigError('http.metrics must be true or false');
  const consoleDir = input?.consoleDir ?? null;
  if (consoleDir !== null && (typeof consoleDir !== 'string' || consoleDir.length === 0)) throw new InvalidConfigError('http.consoleDir must be a directory path');
  return { allowedOrigins: typeof origins === 'string' ? parseOriginPolicy(origins) : origins, metrics, consoleDir };
}

function resolveClusterConfig(input: BrokerConfigInput['cluster']): ClusterConfig | null {
  if (input === undefined || input === null) return null;
  const cluster: ClusterConfig = {
    etcd: typeof input.etcd === 'string' ? parseEtcdUrl(input.etcd) : input.etcd,
    advertise: input.advertise ?? null,
    replicationAdvertise: input.replicationAdvertise ?? null,
    leaseTtlS: input.leaseTtlS ?? LEASE_TTL_S_DEFAULT,
    replicaLagMs: input.replicaLagMs ?? REPLICA_LAG_MS_DEFAULT,
    uncleanLeaderElection: input.uncleanLeaderElection ?? false,
    offsetsTopicPartitions: input.offsetsTopicPartitions ?? OFFSETS_TOPIC_PARTITIONS_CLUSTER_DEFAULT,
    rack: input.rack ?? null,
  };
  if (cluster.rack !== null) {
    try {
      checkRack(cluster.rack);
    } catch (err) {
      throw new InvalidConfigError(`cluster.rack: ${(err as Error).message}`, { cause: err });
    }
  }
  if (cluster.advertise !== null && !/^wss?:\/\/[^/\s]+$/.test(cluster.advertise)) {
    throw new InvalidConfigError(`cluster.advertise must look like ws://host:port, got ${JSON.stringify(cluster.advertise)}`);
  }
  if (cluster.replicationAdvertise !== null && !/^wss?:\/\/[^/\s]+$/.test(cluster.replicationAdvertise)) {
    throw new InvalidConfigError(`cluster.replicationAdvertise must look like ws://host:port, got ${JSON.stringify(cluster.replicationAdvertise)}`);
  }
  checkInt('cluster.leaseTtlS', cluster.leaseTtlS, LEASE_TTL_S_MIN, LEASE_TTL_S_MAX);
  checkInt('cluster.replicaLagMs', cluster.replicaLagMs, REPLICA_LAG_MS_MIN, 24 * 60 * 60_000);
  checkInt('cluster.offsetsTopicPartitions', cluster.offsetsTopicPartitions, 1, OFFSETS_TOPIC_PARTITIONS_CLUSTER_MAX);
  return cluster;
}

function resolveKafkaConfig(input: BrokerConfigInput['kafka']): KafkaListenerConfig | null {
  if (input === undefined || input === null) return null;
  const kafka: KafkaListenerConfig = {
    host: input.host ?? HOST_DEFAULT,
    port: input.port,
    advertise: input.advertise ?? null,
    idleTimeoutMs: input.idleTimeoutMs ?? KAFKA_IDLE_TIMEOUT_MS_DEFAULT,
  };
  if (typeof kafka.host !== 'string' || kafka.host.length === 0) throw new InvalidConfigError('kafka.host must be a non-empty string');
  checkInt('kafka.port', kafka.port, 0, 65_535);
  checkInt('kafka.idleTimeoutMs', kafka.idleTimeoutMs, IDLE_TIMEOUT_MS_MIN, 24 * 60 * 60_000);
  if (kafka.advertise) {
    if (typeof kafka.advertise.host !== 'string' || kafka.advertise.host.length === 0) throw new InvalidConfigError('kafka.advertise.host must be a non-empty string');
    checkInt('kafka.advertise.port', kafka.advertise.port, 1, 65_535);
  }
  return kafka;
}

/**
 * Checks a complete LogConfig (broker defaults, or defaults merged with a topic's overrides)
 * with storage's own rules, naming where the bad value came from.
 */
export function validateLogConfig(log: LogConfig, where: string): void {
  try {
    validateStorageLogConfig(log);
  } catch (err) {
    throw new InvalidConfigError(`${where}: ${(err as Error).message}`);
  }
}

function checkInt(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
