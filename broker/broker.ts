/**
 * The Strata broker: wires configuration → storage (LogManager) → topics (TopicManager,
 * ProducerIdAllocator) → the WebSocket server, and takes them down in reverse.
 *
 *   const broker = new Broker({ dataDir: '/var/lib/strata', port: 7171 });
 *   const { url } = await broker.start();   // 'ws://127.0.0.1:7171'
 *   ...
 *   await broker.stop();                    // clean shutdown marker written
 *
 * Lifecycle: new → start() → running → stop() → stopped. start() and stop() may each be called
 * once; stop() before or during start() waits for start to finish first. Signal handling
 * belongs to the CLI, which calls stop().
 *
 * start() binds the WebSocket port first, before recovery, so /healthz and /readyz answer while
 * logs are being recovered (readyz says 503 `recovering`, upgrades get 503); `listening()`
 * resolves then. Once topics and groups are open the listener takes connections.
 *
 * stop(): refuse new connections; answer parked long-poll fetches now; wait up to
 * STOP_DRAIN_MS_MAX for in-flight requests (requests arriving meanwhile get
 * BrokerShuttingDownError); close sockets with 1001; close the logs, which flushes them and
 * writes the clean-shutdown marker.
 *
 * TLS (config.tls): both listeners get the same certificate (wss:// and Kafka SSL), read once at
 * start (unusable files stop the start) and again by reloadTls(), which the CLI calls on SIGHUP.
 */
import { mkdir } from 'node:fs/promises';
import { CRC32C_IMPLEMENTATION } from '../proto/crc32c.js';
import { PROTOCOL_VERSION } from '../proto/constants.js';
import { LeaderNotAvailableError, StrataError, UnknownServerError } from '../proto/errors.js';
import type { ClusterMetadata } from './cluster/cluster-metadata.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { EtcdClusterMetadata } from './cluster/etcd-metadata.js';
import { SingleNodeMetadata } from './cluster/single-node-metadata.js';
import { resolveBrokerConfig, type BrokerConfig, type BrokerConfigInput } from './config.js';
import { STOP_DRAIN_MS_MAX } from './constants.js';
import { DataDirLock } from './data-dir-lock.js';
import { GroupCoordinator } from './groups/group-coordinator.js';
import { topicViewOf } from './groups/topic-view.js';
import { OFFSETS_TOPIC } from './groups/constants.js';
import { replicatedOffsetsSource } from './groups/replicated-offsets-source.js';
import { createRootLogger, type Logger } from './logger.js';
import { BROKER_VERSION } from './server/broker-version.js';
import { TrafficTotals } from './server/traffic-totals.js';
import type { BrokerServices } from './server/request-context.js';
import { newServerStats, type ServerStats } from './server/server-stats.js';
import { WsListener } from './ws/ws-listener.js';
import { PerIpGate } from './security/per-ip-gate.js';
import { ClusterKeys } from './cluster/cluster-keys.js';
import { createEtcdClient, type EtcdClient } from './cluster/etcd-client.js';
import { ConsoleFiles } from './http/console-files.js';
import { HttpRouter } from './http/http-router.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { partitionsReadiness, type Readiness, type ReadinessSource } from './http/readiness.js';
import { descriptorsNeeded, openFileLimit } from './fd-limit.js';
import type { KafkaServer } from './kafka/kafka-server.js';
import { BrokerSecurity } from './security/broker-security.js';
import { TlsMaterial } from './security/tls-material.js';
import { LogCleaner } from './storage/cleaner/log-cleaner.js';
import { LogManager } from './storage/log-manager.js';
import { ProducerIdAllocator, type ProducerRegistry } from './partition/producer-ids.js';
import type { Partition } from './partition/partition.js';
import { NetworkReplicaTransport } from './replication/network-transport.js';
import { ReplicaManager } from './replication/replica-manager.js';
import { ClusterProducerRegistry } from './cluster/cluster-producer-registry.js';
import { TopicManager } from './topics/topic-manager.js';

export type { BrokerConfig, BrokerConfigInput, BrokerLimits } from './config.js';
export type { ServerStats } from './server/server-stats.js';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

type BrokerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Broker implements ReadinessSource {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  private state: BrokerState = 'new';
  private starting: Promise<unknown> | null = null;
  private stopped: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private dataDirLock: DataDirLock | null = null;
  private logManager: LogManager | null = null;
  private cleaner: LogCleaner | null = null;
  private topicManager: TopicManager | null = null;
  private groupCoordinator: GroupCoordinator | null = null;
  private server: WsListener | null = null;
  private ipGate: PerIpGate | null = null;
  /** Cluster mode: the etcd client of the security stores. */
  private securityEtcd: EtcdClient | null = null;
  private kafkaServer: KafkaServer | null = null;
  private brokerSecurity: BrokerSecurity | null = null;
  private tlsMaterial: TlsMaterial | null = null;
  private boundAddress: BrokerAddress | null = null;
  private clusterNode: ClusterNode | null = null;
  private clusterMetadata: ClusterMetadata | null = null;
  private replicaManager: ReplicaManager | null = null;
  /** Cluster mode: the producer ids partitions accept (any the cluster issued). */
  private clusterProducerIds: ClusterProducerRegistry | null = null;
  private replicaTransport: NetworkReplicaTransport | null = null;
  /** Counters of the last server, kept readable after stop(). */
  private lastStats: ServerStats = newServerStats();
  /** True once logs, topics and groups are open and the listener takes connections. */
  private recovered = false;
  private listenedAtMs = 0;
  /** Wall-clock time the listener bound (BrokerStats' uptime). */
  private startedAtMs = 0;
  /** From binding the port to serving; null until then. */
  private recoverySeconds: number | null = null;
  private listeningResolve: ((addr: BrokerAddress) => void) | null = null;
  private readonly listeningPromise = new Promise<BrokerAddress>((resolve) => { this.listeningResolve = resolve; });

  /** Validates the config (InvalidConfigError) and creates the root logger unless one is given. */
  constructor(config: BrokerConfigInput, logger?: Logger) {
    this.config = resolveBrokerConfig(config);
    this.logger = logger ?? createRootLogger(this.config.logLevel);
  }

  /** ws://host:port (wss:// with TLS) once started. */
  get url(): string {
    if (!this.boundAddress) throw new UnknownServerError('broker is not listening');
    return this.formatUrl(this.boundAddress);
  }

  /**
   * Re-reads the TLS certificate, key and CA files and gives them to both listeners for the
   * connections they accept from now on; open connections keep theirs. A file that cannot be
   * used is logged and the certificate in force stays (never a broker without one).
   * @returns whether the new files are in use (false also when TLS is off).
   */
  reloadTls(): boolean {
    const material = this.tlsMaterial;
    if (!material) return false;
    let options;
    try {
      options = material.reload();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'TLS reload failed; keeping the certificate in use');
      return false;
    }
    this.server?.setSecureContext(options);
    this.kafkaServer?.setSecureContext(options);
    this.logger.info({ cert: material.config.certFile, reloads: material.reloads }, 'TLS certificate reloaded');
    return true;
  }

  /** The bound address once started (with the OS-picked port when config.port is 0). */
  get address(): BrokerAddress | null {
    return this.boundAddress;
  }

  /** The topic layer, for embedding programs and tests; null before start(). */
  get topics(): TopicManager | null {
    return this.topicManager;
  }

  /** The log cleaner (compaction), for embedding programs and tests; null before start(). */
  get logCleaner(): LogCleaner | null {
    return this.cleaner;
  }

  /** Consumer groups and committed offsets, for embedding programs and tests; null before start(). */
  get groups(): GroupCoordinator | null {
    return this.groupCoordinator;
  }

  /** The Kafka listener's bound and advertised addresses; null when it is off or not started. */
  get kafkaAddress(): { bound: BrokerAddress; advertised: BrokerAddress } | null {
    const bound = this.kafkaServer?.address;
    return bound ? { bound, advertised: this.kafkaServer!.advertised } : null;
  }

  /** Credentials, ACLs, quotas and their counters; null before start(). */
  get security(): BrokerSecurity | null {
    return this.brokerSecurity;
  }

  /** Cluster mode: this broker's membership (null for a broker alone, or before start()). */
  get cluster(): ClusterNode | null {
    return this.clusterNode;
  }

  /** Cluster mode: this broker's replicas (null for a broker alone, or before start()). */
  get replicas(): ReplicaManager | null {
    return this.replicaManager;
  }

  /** Open client connections (0 when not running). */
  get connectionCount(): number {
    return this.server?.connectionCount ?? 0;
  }

  /** Server counters since start (a copy); all zero before start(). */
  get stats(): ServerStats {
    return { ...(this.server?.stats ?? this.lastStats) };
  }

  /** The Kafka listener's counters (a copy); null when it is off or not started. */
  get kafkaServerStats(): ServerStats | null {
    return this.kafkaServer ? { ...this.kafkaServer.stats } : null;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Resolves once the WebSocket/HTTP port is bound, before recovery (never, if start fails first). */
  listening(): Promise<BrokerAddress> {
    return this.listeningPromise;
  }

  /** What /readyz answers (broker/http/readiness.ts). */
  readiness(): Readiness {
    if (this.state === 'stopping' || this.state === 'stopped') return { ready: false, reason: 'stopping' };
    if (!this.recovered || !this.topicManager) return { ready: false, reason: 'recovering' };
    return partitionsReadiness(this.topicManager.allPartitions());
  }

  async start(): Promise<{ url: string; port: number }> {
    if (this.state !== 'new') throw new UnknownServerError(`broker cannot start: it is ${this.state}`);
    this.state = 'starting';
    const run = this.doStart();
    this.starting = run;
    try {
      const result = await run;
      this.state = 'running';
      return result;
    } catch (err) {
      this.logger.error({ err }, 'broker start failed');
      await this.teardown().catch(() => undefined); // already logged step by step
      this.state = 'stopped';
      throw err;
    }
  }

  /** Graceful shutdown; idempotent, and safe to call while start() is still running. */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStart(): Promise<{ url: string; port: number }> {
    const { config } = this;
    this.logger.info({
      version: BROKER_VERSION, protocolVersion: PROTOCOL_VERSION, crc32c: CRC32C_IMPLEMENTATION,
      node: process.version, dataDir: config.dataDir, nodeId: config.nodeId, log: config.log, limits: config.limits,
    }, 'broker starting');
    await mkdir(config.dataDir, { recursive: true });
    this.dataDirLock = await DataDirLock.acquire(config.dataDir);
    // Before storage: an unreadable credentials or ACL file must stop the broker before it serves anything.
    // In a cluster, credentials, ACLs and quotas are the cluster's, in etcd (their own client:
    // they are needed before the listeners open, the cluster membership only after recovery).
    if (config.cluster) this.securityEtcd = createEtcdClient(config.cluster.etcd.hosts);
    this.brokerSecurity = await BrokerSecurity.open(config.dataDir, config.security, this.securityEtcd && config.cluster ? {
      client: this.securityEtcd, keys: new ClusterKeys(config.cluster.etcd.prefix), logger: this.logger.child({ component: 'security' }),
    } : undefined);
    this.logger.info({ auth: config.security.auth, users: this.brokerSecurity.credentials.size, acls: this.brokerSecurity.acls.bindings.length,
      superUsers: config.security.superUsers, storedIn: this.brokerSecurity.storedIn }, 'security loaded');

    // Before binding: unusable certificate files must stop the broker, not its first client.
    this.tlsMaterial = config.tls ? TlsMaterial.load(config.tls) : null;
    if (config.tls) this.logger.info({ cert: config.tls.certFile, clientCertificates: config.tls.caFile !== null ? 'required' : 'not asked for' }, 'TLS on both listeners');
    const tlsOptions = this.tlsMaterial?.serverOptions();

    const topicsLogger = this.logger.child({ component: 'topics' });
    const serverLogger = this.logger.child({ component: 'server' });

    const metrics = config.http.metrics ? this.createMetrics() : null;
    // Both listeners: the security hooks, and the metrics' request observer when metrics are on.
    const listenerHooks = metrics ? { ...this.brokerSecurity.hooks, observer: metrics.requests } : this.brokerSecurity.hooks;
    // Listen before recovering: health checks answer meanwhile, upgrades wait (503).
    const http = new HttpRouter({
      readiness: this, metrics, console: new ConsoleFiles(config.http.consoleDir ?? undefined),
      logger: this.logger.child({ component: 'http' }),
    });
    // One per-IP gate for both listeners: the limits count an address's connections over both.
    this.ipGate = new PerIpGate({
      connectionsPerIpMax: config.limits.maxConnectionsPerIp, connectionAttemptsPerIpPerSecMax: config.limits.maxConnectionAttemptsPerIpPerSecond,
    }, serverLogger);
    this.server = new WsListener({
      host: config.host, port: config.port, limits: config.limits, http, originPolicy: config.http.allowedOrigins,
      hooks: listenerHooks, logger: serverLogger, ipGate: this.ipGate, ...(tlsOptions ? { tls: tlsOptions } : {}),
    });
    const addr = await this.server.listen();
    this.boundAddress = { host: config.host, port: addr.port };
    this.logger.info({ url: this.formatUrl(this.boundAddress) }, 'listening for health checks; recovering');
    this.listenedAtMs = performance.now();
    this.startedAtMs = Date.now();
    this.listeningResolve?.(this.boundAddress);
    if (config.testing.recoveryDelayMs > 0) {
      this.logger.warn({ recoveryDelayMs: config.testing.recoveryDelayMs }, 'test-only recovery delay');
      await new Promise((resolve) => setTimeout(resolve, config.testing.recoveryDelayMs));
    }

    // LogManager binds { component: 'storage' } itself.
    this.logManager = await LogManager.open({
      dataDir: config.dataDir, logger: this.logger, defaultConfig: config.log, memory: config.memory, observer: metrics?.storage,
    });
    this.logger.info({ cleanShutdown: this.logManager.cleanShutdown }, 'storage opened');
    const producerIds = await ProducerIdAllocator.open(config.dataDir, topicsLogger);
    // In a cluster, ids come from the shared counter in etcd, and a partition accepts the ids
    // any broker issued (cluster-producer-registry.ts): its leader may not be the broker the
    // producer got its id from. The producer state still fences stale epochs and sequence gaps.
    let registry: ProducerRegistry = producerIds;
    if (config.cluster) {
      const clusterIds = new ClusterProducerRegistry(
        () => this.requireClusterNode().producerIds.current(),
        (id) => this.requireClusterNode().producerEpochs.read(id),
      );
      producerIds.blockSource = async (size) => {
        const block = await this.requireClusterNode().producerIds.reserveBlock(size);
        clusterIds.noteIssuedBelow(block.end);
        return block;
      };
      // A raised epoch goes to etcd before it is answered, so every partition leader accepts it.
      producerIds.epochSink = async (id, epoch) => {
        await this.requireClusterNode().producerEpochs.raise(id, epoch);
        clusterIds.noteEpoch(id, epoch);
      };
      this.clusterProducerIds = clusterIds;
      registry = clusterIds;
    }
    this.topicManager = await TopicManager.open({
      dataDir: config.dataDir,
      logManager: this.logManager,
      logDefaults: config.log,
      maxTopics: config.limits.maxTopics,
      maxPartitionsPerTopic: config.limits.maxPartitionsPerTopic,
      producerIds: registry,
      logger: topicsLogger,
    });
    // A lost or unreadable producer-ids.json must never make an id that is in a log reusable,
    // nor an epoch a producer wrote with unknown.
    let highestProducerId = -1;
    for (const p of this.topicManager.allPartitions()) {
      highestProducerId = Math.max(highestProducerId, p.producers.maxProducerId);
      for (const [id, epoch] of p.producers.epochs()) {
        producerIds.noteEpochInLog(id, epoch);
        this.clusterProducerIds?.noteEpoch(id, epoch);
      }
    }
    producerIds.ensureAbove(highestProducerId);
    this.warnIfDescriptorsShort();
    this.logManager.start();
    this.cleaner = new LogCleaner({
      logger: this.logger, bufferBytes: config.cleaner.bufferBytes, ioBytesPerSecond: config.cleaner.ioBytesPerSecond,
      backoffMs: config.cleaner.backoffMs, threadPriority: config.cleaner.threadPriority,
    });
    this.cleaner.addSource(this.logManager);
    this.cleaner.start();
    const localTopics = topicViewOf(this.topicManager);
    this.groupCoordinator = await GroupCoordinator.open({
      dataDir: config.dataDir,
      logDefaults: config.log,
      // In a cluster, topics are etcd's (TopicManager holds only the local replicas) and the
      // offsets live in the replicated offsets topic, loaded per partition this broker leads.
      topics: config.cluster
        ? { ...localTopics, partitionCount: (t) => (t === OFFSETS_TOPIC ? undefined : this.clusterMetadata?.topic(t)?.partitions) }
        : localTopics,
      ...(config.cluster ? { replicated: { partitionCount: () => this.clusterMetadata?.topic(OFFSETS_TOPIC)?.partitions } } : {}),
      logger: this.logger.child({ component: 'groups' }),
      offsetsRetentionMs: config.groups.offsetsRetentionMs,
      offsetsRetentionCheckIntervalMs: config.groups.offsetsRetentionCheckIntervalMs,
      ...(config.testing.offsetsSegmentBytes === null ? {} : { offsetsLog: { segmentBytes: config.testing.offsetsSegmentBytes } }),
    });
    // __consumer_offsets is a compacted log like any other: the same cleaner looks after it.
    const offsetsLogs = this.groupCoordinator.offsets.cleanerSource;
    if (offsetsLogs) this.cleaner.addSource(offsetsLogs);

    const topicManager = this.topicManager;
    // Endpoints are read per request: the URLs are known only once the listeners are bound.
    const single = config.cluster ? null : new SingleNodeMetadata(config.nodeId, topicManager, () => this.endpoints());
    const broker = this;
    // Totals for BrokerStats (the console), passing every report on to the metrics when on.
    const totals = new TrafficTotals(metrics?.traffic);
    const services: BrokerServices = {
      config,
      topics: topicManager,
      // In cluster mode the listener binds before the broker joins (its advertised URL needs the
      // port): requests in between are refused as retriable.
      get cluster(): ClusterMetadata {
        const c = single ?? broker.clusterMetadata;
        if (!c) throw new LeaderNotAvailableError('this broker is still joining its cluster');
        return c;
      },
      get replicas(): ReplicaManager | null {
        return broker.replicaManager;
      },
      producerIds,
      groups: this.groupCoordinator,
      logger: serverLogger,
      brokerUrl: () => (this.boundAddress ? this.formatUrl(this.boundAddress) : ''),
      stopping: this.stopping.signal,
      traffic: totals,
      security: this.brokerSecurity,
      totals,
      brokerInfo: () => ({
        version: BROKER_VERSION,
        startedAtMs: this.startedAtMs,
        listeners: this.endpoints(),
        connections: (this.server?.connectionCount ?? 0) + (this.kafkaServer?.connectionCount ?? 0),
      }),
    };
    this.server.attach(services);
    this.recovered = true;
    this.recoverySeconds = (performance.now() - this.listenedAtMs) / 1000;
    const url = this.formatUrl(this.boundAddress);
    this.logger.info({ url, topics: this.topicManager.size }, 'broker listening');
    if (config.kafka) {
      // Imported here: the Kafka listener's codecs and API adapters cost start-up CPU that a
      // broker started with --kafka-listen off has no use for.
      const { KafkaServer } = await import('./kafka/kafka-server.js');
      this.kafkaServer = new KafkaServer({
        host: config.kafka.host,
        port: config.kafka.port,
        advertise: config.kafka.advertise ?? undefined,
        maxConnections: config.limits.maxConnections,
        limits: {
          frameBytesMax: config.limits.frameBytesMax,
          maxInFlight: config.limits.maxInFlightRequestsPerConnection,
          idleTimeoutMs: config.kafka.idleTimeoutMs,
          slowConsumerBufferedBytesMax: config.limits.slowConsumerBufferedBytesMax,
          slowConsumerDropMs: config.limits.slowConsumerDropMs,
        },
        services,
        hooks: listenerHooks,
        logger: this.logger.child({ component: 'kafka' }),
        ipGate: this.ipGate ?? undefined,
        ...(tlsOptions ? { tls: tlsOptions, handshakeTimeoutMs: config.limits.handshakeTimeoutMs } : {}),
      });
      await this.kafkaServer.start();
    }
    if (config.cluster) await this.joinCluster(config.cluster);
    return { url, port: addr.port };
  }

  /** The Prometheus metrics (broker/metrics/), reading this broker's state at scrape time. */
  private createMetrics(): BrokerMetrics {
    return new BrokerMetrics({
      nodeId: this.config.nodeId,
      version: BROKER_VERSION,
      topics: () => this.topicManager,
      groups: () => this.groupCoordinator,
      storage: () => this.logManager,
      listeners: () => [
        ...(this.server ? [{ listener: 'ws', connections: this.server.connectionCount, inFlight: this.server.inFlightRequests }] : []),
        ...(this.kafkaServer ? [{ listener: 'kafka', connections: this.kafkaServer.connectionCount, inFlight: this.kafkaServer.inFlightRequests }] : []),
      ],
      serverStats: () => [
        { listener: 'ws', stats: this.stats },
        ...(this.kafkaServer ? [{ listener: 'kafka', stats: this.kafkaServer.stats }] : []),
      ],
      recoverySeconds: () => this.recoverySeconds,
      replication: () => this.replicaManager?.replicationStats() ?? null,
    });
  }

  /**
   * Cluster mode: registers in etcd (lease, controller candidacy), then makes the local
   * replicas follow the partition states (ReplicaManager over the network transport). Topics
   * live in etcd; TopicManager holds only the replicas this broker has.
   */
  private async joinCluster(cluster: NonNullable<BrokerConfig['cluster']>): Promise<void> {
    const { config } = this;
    const clusterLogger = this.logger.child({ component: 'cluster' });
    const endpoints = this.endpoints();
    if (cluster.advertise) endpoints.ws = cluster.advertise;
    if (cluster.replicationAdvertise) endpoints.replication = cluster.replicationAdvertise;
    this.clusterNode = await ClusterNode.join({
      etcd: cluster.etcd, nodeId: config.nodeId, endpoints, leaseTtlS: cluster.leaseTtlS, ...(cluster.rack !== null ? { rack: cluster.rack } : {}),
      uncleanLeaderElection: cluster.uncleanLeaderElection, offsetsTopicPartitions: cluster.offsetsTopicPartitions, logger: clusterLogger,
    });
    const node = this.clusterNode;
    // Ids found in this broker's logs must never be handed out again by any broker.
    let highest = -1;
    for (const p of this.topicManager!.allPartitions()) highest = Math.max(highest, p.producers.maxProducerId);
    this.clusterProducerIds?.noteIssuedBelow(await node.producerIds.ensureAbove(highest));
    this.clusterMetadata = new EtcdClusterMetadata(node, {
      logDefaults: config.log, maxTopics: config.limits.maxTopics, maxPartitionsPerTopic: config.limits.maxPartitionsPerTopic,
      offsetsTopicPartitions: cluster.offsetsTopicPartitions,
    });
    const topics = this.topicManager!;
    this.replicaTransport = new NetworkReplicaTransport({
      view: node.view, localId: config.nodeId, logger: clusterLogger, tls: () => this.tlsMaterial?.replicaClientOptions() ?? null,
    });
    this.replicaManager = new ReplicaManager({
      node,
      local: {
        open: (topic, partition) => {
          const t = node.view.topics.get(topic)?.value;
          if (!t) throw new LeaderNotAvailableError(`topic ${topic} is not in the cluster view`);
          return topics.openReplica({ name: t.name, partitions: t.partitions, config: t.config, createdAtMs: t.createdAtMs }, partition);
        },
        deleteTopic: (topic) => topics.dropReplicas(topic),
      },
      transport: this.replicaTransport,
      producerIds: this.clusterProducerIds ?? undefined,
      replicaLagMs: cluster.replicaLagMs,
      logger: this.logger.child({ component: 'replication' }),
      onRoleChange: (topic, index, role) => this.onReplicaRole(topic, index, role),
    });
    // Topic settings altered on any broker reach this one's replicas through the view.
    node.view.on('change', (kinds: ReadonlySet<string>) => {
      if (!kinds.has('topics')) return;
      for (const [name, t] of node.view.topics) topics.applyClusterConfig(name, t.value.config, t.value.createdAtMs);
    });
    this.replicaManager.start();
    await this.replicaManager.settle();
    this.logger.info({ nodeId: config.nodeId, controller: node.controllerId(), etcd: cluster.etcd.hosts }, 'joined the cluster');
  }

  /** The group coordinator follows the leadership of the offsets partitions (group-coordinator.ts). */
  private onReplicaRole(topic: string, index: number, role: { kind: string; epoch: number; partition: Partition | null }): void {
    const groups = this.groupCoordinator;
    const replicas = this.replicaManager;
    const node = this.clusterNode;
    if (topic !== OFFSETS_TOPIC || !groups || !replicas || !node) return;
    if (role.kind !== 'leader' || !role.partition) {
      groups.unloadOffsetsPartition(index);
      return;
    }
    const source = replicatedOffsetsSource(replicas, index, role.epoch, role.partition, () => node.leaseValid());
    groups.loadOffsetsPartition(index, source).catch((err: unknown) => {
      this.logger.error({ err, topic, partition: index }, 'loading an offsets partition failed; its groups stay unserved here');
    });
  }

  private formatUrl(addr: BrokerAddress): string {
    return formatUrl(addr, this.config.tls !== null);
  }

  private requireClusterNode(): ClusterNode {
    if (!this.clusterNode) throw new LeaderNotAvailableError('this broker is still joining its cluster');
    return this.clusterNode;
  }

  /**
   * Each segment log holds a descriptor, and so does each connection: a broker that could need
   * more than the process may open fails on whichever open comes next, so say it at start.
   */
  private warnIfDescriptorsShort(): void {
    const limit = openFileLimit();
    if (limit === null || !this.logManager) return;
    let segments = 0;
    for (const log of this.logManager.logs()) segments += log.segmentCount;
    const needed = descriptorsNeeded(segments, this.config.limits.maxConnections);
    if (needed <= limit) return;
    this.logger.warn({ openFileLimit: limit, segmentFiles: segments, maxConnections: this.config.limits.maxConnections, needed },
      'the open-file limit is below what this broker may need: raise it (ulimit -n) or lower --max-connections');
  }

  /** This broker's address per listener name, as ClusterMetadata advertises it ('ws'; 'kafka' when that listener runs). */
  private endpoints(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.boundAddress) out.ws = this.formatUrl(this.boundAddress);
    const kafka = this.kafkaServer?.address ? this.kafkaServer.advertised : null;
    if (kafka) out.kafka = `${kafka.host}:${kafka.port}`;
    return out;
  }

  private async doStop(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.state === 'stopped' || this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.logger.info('broker stopping');
    this.stopping.abort();
    try {
      const kafkaStopped = this.kafkaServer?.stop();
      if (this.server) {
        this.server.stopAccepting();
        await this.server.drain(STOP_DRAIN_MS_MAX);
      }
      await kafkaStopped;
    } finally {
      await this.teardown();
      this.state = 'stopped';
    }
    this.logger.info('broker stopped');
  }

  /** Closes whatever start() opened, in reverse order; logs (and keeps going past) failures. */
  private async teardown(): Promise<void> {
    const steps: Array<[string, () => Promise<void> | undefined]> = [
      ['kafka', () => this.kafkaServer?.stop()],
      ['server', () => this.server?.closeAll()],
      ['per-ip gate', () => { this.ipGate?.close(); return undefined; }],
      // Replicas stop following before the logs close; the lease is revoked so the controller
      // moves this broker's leaderships now instead of after a TTL.
      ['replication', () => this.replicaManager?.stop()],
      ['replica-transport', () => this.replicaTransport?.close()],
      ['cluster', () => this.clusterNode?.close()],
      // Before the logs close: a pass in flight ends at its next slice.
      ['cleaner', () => this.cleaner?.stop()],
      ['groups', () => this.groupCoordinator?.close()],
      ['topics', () => this.topicManager?.close()],
      ['storage', () => this.logManager?.close()],
      ['security', async () => {
        await this.brokerSecurity?.close();
        this.securityEtcd?.close();
        this.securityEtcd = null;
      }],
      ['lock', () => this.dataDirLock?.release()],
    ];
    let first: unknown = null;
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        first ??= err;
        this.logger.error({ err, step: what }, 'shutdown step failed');
      }
    }
    if (this.server) this.lastStats = this.server.stats;
    this.server = null;
    this.kafkaServer = null;
    this.replicaManager = null;
    this.replicaTransport = null;
    this.clusterNode = null;
    this.clusterMetadata = null;
    this.topicManager = null;
    this.groupCoordinator = null;
    this.logManager = null;
    this.cleaner = null;
    this.dataDirLock = null;
    this.brokerSecurity = null;
    this.tlsMaterial = null;
    if (first !== null) throw first instanceof StrataError ? first : new UnknownServerError('broker shutdown failed', { cause: first });
  }
}

function formatUrl(addr: BrokerAddress, tls: boolean): string {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `${tls ? 'wss' : 'ws'}://${host}:${addr.port}`;
}
