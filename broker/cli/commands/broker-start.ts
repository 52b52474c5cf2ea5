/**
 * `strata broker start`: runs one broker in the foreground until SIGINT/SIGTERM, then shuts
 * down cleanly (stop accepting, finish in-flight requests, flush, clean-shutdown marker).
 */
import type { Command } from 'commander';
import type { Broker as BrokerClass } from '../../broker.js';
import type { AuthMode, BrokerConfigInput } from '../../config.js';
import { HOST_DEFAULT, KAFKA_PORT_DEFAULT, PORT_DEFAULT } from '../../constants.js';
import { createRootLogger, type LogLevel } from '../../logger.js';
import type { FlushPolicy } from '../../storage/log-config.js';
import { parseChoice, parseHostPort, parseIntOrUnlimited, parseNonNegativeInt, parsePositiveInt } from '../args.js';
import { EXIT_OK, fail } from '../output.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { splitPrincipalList } from '../../security/tls-principal.js';

interface StartOptions {
  dataDir: string;
  host: string;
  port: number;
  flush?: FlushPolicy;
  flushIntervalMs?: number;
  segmentBytes?: number;
  retentionMs?: number;
  retentionBytes?: number;
  logLevel: LogLevel;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
  maxConnectionAttemptsPerIpPerSecond?: number;
  handshakeTimeoutMs?: number;
  maxPendingHandshakes?: number;
  maxInFlight?: number;
  maxTopics?: number;
  maxPartitions?: number;
  frameBytesMax?: number;
  fetchWaitMsMax?: number;
  idleTimeoutMs?: number;
  slowConsumerBytesMax?: number;
  slowConsumerDropMs?: number;
  indexCacheBytes?: number;
  tailCacheBytes?: number;
  tailCachePartitionBytes?: number;
  cleanerBufferBytes?: number;
  cleanerIoBytesPerSecond?: number;
  cleanerBackoffMs?: number;
  cleanerThreadPriority?: 'idle' | 'normal';
  offsetsRetentionMs?: number;
  offsetsRetentionCheckIntervalMs?: number;
  kafkaListen: { host: string; port: number } | 'off';
  kafkaAdvertise?: { host: string; port: number };
  kafkaIdleTimeoutMs?: number;
  auth: AuthMode;
  superUsers?: string[];
  allowAnonymous?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  allowedOrigins: string;
  metrics: 'on' | 'off';
  testRecoveryDelayMs?: number;
  testOffsetsSegmentBytes?: number;
  nodeId?: number;
  cluster?: string;
  advertise?: string;
  replicationAdvertise?: string;
  rack?: string;
  replicaLagMs?: number;
  uncleanLeaderElection?: boolean;
  offsetsTopicPartitions?: number;
}

/** --super-users: a comma list in which an entry may be a certificate DN (itself comma-separated). */
function parseSuperUsers(raw: string): string[] {
  const items = splitPrincipalList(raw);
  if (items.some((s) => s.length === 0)) throw new InvalidConfigError(`--super-users must be a comma-separated list without empty items, got '${raw}'`);
  return items;
}

const KAFKA_LISTEN_DEFAULT = `${HOST_DEFAULT}:${KAFKA_PORT_DEFAULT}`;

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_MS_MAX = 30_000;

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('run a broker node');
  broker.command('start')
    .description('start a broker in the foreground (Ctrl-C stops it cleanly)')
    .option('--data-dir <dir>', 'where partitions and metadata are kept', './data')
    .option('--host <host>', 'address to listen on', HOST_DEFAULT)
    .option('--port <port>', 'port to listen on (0: any free port)', parseNonNegativeInt('--port'), PORT_DEFAULT)
    .option('--flush <policy>', 'fsync policy: always (fsync before acks=all is answered), interval, never',
      parseChoice('--flush', ['always', 'interval', 'never'] as const))
    .option('--flush-interval-ms <ms>', 'fsync period under --flush interval', parsePositiveInt('--flush-interval-ms'))
    .option('--segment-bytes <bytes>', 'default segment size', parsePositiveInt('--segment-bytes'))
    .option('--retention-ms <ms>', 'default retention by age (-1: forever)', parseIntOrUnlimited('--retention-ms'))
    .option('--retention-bytes <bytes>', 'default retention by size per partition (-1: unlimited)', parseIntOrUnlimited('--retention-bytes'))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent',
      parseChoice('--log-level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), 'info')
    .option('--max-connections <n>', 'open connections allowed, counted from TCP accept', parsePositiveInt('--max-connections'))
    .option('--handshake-timeout-ms <ms>', 'drop a connection not upgraded to WebSocket this long after accept (default: 5000)',
      parsePositiveInt('--handshake-timeout-ms'))
    .option('--max-pending-handshakes <n>', 'connections accepted and not yet upgraded; past it the oldest is dropped (default: 256)',
      parsePositiveInt('--max-pending-handshakes'))
    .option('--max-connections-per-ip <n>', 'open connections from one IP address over both listeners; 0: no limit (default: 0)',
      parseNonNegativeInt('--max-connections-per-ip'))
    .option('--max-connection-attempts-per-ip-per-second <n>',
      'connection attempts per second from one IP address over both listeners, measured over 11 s; 0: no limit (default: 0)',
      parseNonNegativeInt('--max-connection-attempts-per-ip-per-second'))
    .option('--max-in-flight <n>', 'outstanding requests per connection', parsePositiveInt('--max-in-flight'))
    .option('--max-topics <n>', 'topics allowed on this broker', parsePositiveInt('--max-topics'))
    .option('--max-partitions <n>', 'partitions allowed per topic', parsePositiveInt('--max-partitions'))
    .option('--frame-bytes-max <bytes>', 'largest WebSocket frame accepted', parsePositiveInt('--frame-bytes-max'))
    .option('--fetch-wait-ms-max <ms>', 'cap on a fetch long poll', parseNonNegativeInt('--fetch-wait-ms-max'))
    .option('--idle-timeout-ms <ms>', 'drop connections that answer no ping for this long', parsePositiveInt('--idle-timeout-ms'))
    .option('--slow-consumer-bytes-max <bytes>', 'bytes queued to a socket above which its fetches are held back',
      parsePositiveInt('--slow-consumer-bytes-max'))
    .option('--slow-consumer-drop-ms <ms>', 'drop a connection held back for this long', parsePositiveInt('--slow-consumer-drop-ms'))
    .option('--index-cache-bytes <bytes>', 'memory for sealed segments\' indexes, all partitions (default: 32 MiB)',
      parseNonNegativeInt('--index-cache-bytes'))
    .option('--tail-cache-bytes <bytes>', 'memory for recently written batches, all partitions; 0 turns it off (default: 32 MiB)',
      parseNonNegativeInt('--tail-cache-bytes'))
    .option('--tail-cache-partition-bytes <bytes>', 'memory for recently written batches, per partition (default: 1 MiB)',
      parseNonNegativeInt('--tail-cache-partition-bytes'))
    .option('--cleaner-buffer-bytes <bytes>', 'memory of the log cleaner\'s key map: keys cleaned per pass x 16 B (default: 32 MiB)',
      parsePositiveInt('--cleaner-buffer-bytes'))
    .option('--cleaner-io-bytes-per-second <bytes>', 'log cleaner reads + writes per second; 0: unlimited (default: 32 MiB)',
      parseNonNegativeInt('--cleaner-io-bytes-per-second'))
    .option('--cleaner-backoff-ms <ms>', 'pause between looks for a dirty compacted log (default: 15000)', parsePositiveInt('--cleaner-backoff-ms'))
    .option('--cleaner-thread-priority <idle|normal>', 'CPU priority of the log cleaner\'s thread: idle (Linux SCHED_IDLE: only CPU the broker leaves) or normal (default: idle)',
      parseChoice('--cleaner-thread-priority', ['idle', 'normal'] as const))
    .option('--offsets-retention-ms <ms>', 'committed offsets of a group without members expire this long after it emptied (default: 7 days)',
      parsePositiveInt('--offsets-retention-ms'))
    .option('--offsets-retention-check-interval-ms <ms>', 'how often expired offsets are looked for (default: 600000)',
      parsePositiveInt('--offsets-retention-check-interval-ms'))
    .option('--kafka-listen <host:port>', `Kafka protocol listener (port 0: any free port; 'off': none)`,
      parseHostPort('--kafka-listen', { allowOff: true }), parseHostPort('--kafka-listen')(KAFKA_LISTEN_DEFAULT) as { host: string; port: number })
    .option('--kafka-advertise <host:port>', 'address Kafka clients are told to connect to (default: the listen address)',
      parseHostPort('--kafka-advertise', { portMin: 1 }))
    .option('--kafka-idle-timeout-ms <ms>', 'close Kafka connections idle this long (default: 600000)', parsePositiveInt('--kafka-idle-timeout-ms'))
    .option('--auth <mode>', 'client authentication: none, or scram (SASL SCRAM-SHA-256/512 on both listeners)',
      parseChoice('--auth', ['none', 'scram'] as const), 'none')
    .option('--super-users <names>', 'users who bypass ACLs, comma-separated (alice,bob or User:alice; a certificate DN as User:CN=x,O=y)', parseSuperUsers)
    .option('--allow-anonymous', 'let a listener on a non-loopback address run with --auth none (refused otherwise)')
    .option('--tls-cert <file>', 'PEM certificate chain: the WebSocket port serves wss:// (and https), the Kafka port SSL; reloaded on SIGHUP')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'PEM CA bundle: client certificates signed by it are REQUIRED (mutual TLS); with --auth none the subject DN is the principal')
    .option('--allowed-origins <origins>', "browser origins allowed to open a WebSocket: 'same-origin' (pages served by this broker), "
      + "'*', or a comma-separated list like https://console.example.com (no Origin header, i.e. not a browser: always allowed)", 'same-origin')
    .option('--metrics <on|off>', 'serve Prometheus metrics at /metrics and count them', parseChoice('--metrics', ['on', 'off'] as const), 'on')
    .option('--test-recovery-delay-ms <ms>', 'TESTS ONLY: wait this long after binding the port before recovering (to watch /readyz say 503)',
      parseNonNegativeInt('--test-recovery-delay-ms'))
    .option('--test-offsets-segment-bytes <bytes>', 'TESTS ONLY: segment size of the __consumer_offsets logs (default: 16 MiB)',
      parsePositiveInt('--test-offsets-segment-bytes'))
    .option('--node-id <n>', 'this broker\'s id (unique in its cluster; default: 0)', parseNonNegativeInt('--node-id'))
    .option('--cluster <url>', 'join a cluster coordinated by etcd: etcd://host:port[,host:port...][/prefix] (default: run alone)')
    .option('--advertise <url>', 'ws:// URL other brokers and clients reach this broker at (default: the listen address)')
    .option('--replication-advertise <url>', 'ws:// URL other brokers replicate from, when it differs from --advertise (default: --advertise)')
    .option('--replica-lag-ms <ms>', 'a follower not caught up for this long leaves the ISR (default: 10000)', parsePositiveInt('--replica-lag-ms'))
    .option('--offsets-topic-partitions <n>', 'partitions of __consumer_offsets if this broker creates it (default: 12)', parsePositiveInt('--offsets-topic-partitions'))
    .option('--rack <name>', 'this broker\'s rack (Kafka\'s broker.rack): a partition\'s replicas go to distinct racks first; shown in Metadata')
    .option('--unclean-leader-election', 'let an out-of-sync replica lead when no in-sync one is alive (may lose acknowledged records)')
    .action(async (opts: StartOptions) => {
      await startBroker(opts).catch(fail);
    });
}

function toConfig(opts: StartOptions): BrokerConfigInput {
  return {
    dataDir: opts.dataDir,
    nodeId: opts.nodeId,
    cluster: opts.cluster === undefined ? null : {
      etcd: opts.cluster, advertise: opts.advertise ?? null, replicationAdvertise: opts.replicationAdvertise ?? null, replicaLagMs: opts.replicaLagMs,
      uncleanLeaderElection: opts.uncleanLeaderElection ?? false,
      ...(opts.rack === undefined ? {} : { rack: opts.rack }),
      ...(opts.offsetsTopicPartitions === undefined ? {} : { offsetsTopicPartitions: opts.offsetsTopicPartitions }),
    },
    host: opts.host,
    port: opts.port,
    logLevel: opts.logLevel,
    log: {
      flushPolicy: opts.flush,
      flushIntervalMs: opts.flushIntervalMs,
      segmentBytes: opts.segmentBytes,
      retentionMs: opts.retentionMs,
      retentionBytes: opts.retentionBytes,
    },
    limits: {
      maxConnections: opts.maxConnections,
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
      pendingHandshakesMax: opts.maxPendingHandshakes,
      maxConnectionsPerIp: opts.maxConnectionsPerIp,
      maxConnectionAttemptsPerIpPerSecond: opts.maxConnectionAttemptsPerIpPerSecond,
      maxInFlightRequestsPerConnection: opts.maxInFlight,
      maxTopics: opts.maxTopics,
      maxPartitionsPerTopic: opts.maxPartitions,
      frameBytesMax: opts.frameBytesMax,
      fetchWaitMsMax: opts.fetchWaitMsMax,
      idleTimeoutMs: opts.idleTimeoutMs,
      slowConsumerBufferedBytesMax: opts.slowConsumerBytesMax,
      slowConsumerDropMs: opts.slowConsumerDropMs,
    },
    memory: {
      indexCacheBytes: opts.indexCacheBytes,
      tailCacheBytes: opts.tailCacheBytes,
      tailCachePartitionBytes: opts.tailCachePartitionBytes,
    },
    cleaner: {
      bufferBytes: opts.cleanerBufferBytes,
      ioBytesPerSecond: opts.cleanerIoBytesPerSecond,
      backoffMs: opts.cleanerBackoffMs,
      threadPriority: opts.cleanerThreadPriority,
    },
    groups: { offsetsRetentionMs: opts.offsetsRetentionMs, offsetsRetentionCheckIntervalMs: opts.offsetsRetentionCheckIntervalMs },
    security: { auth: opts.auth, superUsers: opts.superUsers, allowAnonymous: opts.allowAnonymous ?? false },
    tls: opts.tlsCert === undefined && opts.tlsKey === undefined && opts.tlsCa === undefined ? null
      : { certFile: opts.tlsCert, keyFile: opts.tlsKey, caFile: opts.tlsCa ?? null },
    http: { allowedOrigins: opts.allowedOrigins, metrics: opts.metrics === 'on' },
    testing: { recoveryDelayMs: opts.testRecoveryDelayMs, offsetsSegmentBytes: opts.testOffsetsSegmentBytes },
    kafka: opts.kafkaListen === 'off' ? null : {
      host: opts.kafkaListen.host, port: opts.kafkaListen.port, advertise: opts.kafkaAdvertise ?? null, idleTimeoutMs: opts.kafkaIdleTimeoutMs,
    },
  };
}

function formatHostPort(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

function sameAddress(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  return a.host === b.host && a.port === b.port;
}

async function startBroker(opts: StartOptions): Promise<void> {
  const logger = createRootLogger(opts.logLevel);
  if (opts.cluster === undefined && (opts.advertise !== undefined || opts.replicationAdvertise !== undefined || opts.replicaLagMs !== undefined
    || opts.uncleanLeaderElection || opts.offsetsTopicPartitions !== undefined || opts.rack !== undefined)) {
    throw new InvalidConfigError('--advertise, --replication-advertise, --replica-lag-ms, --offsets-topic-partitions, --rack and --unclean-leader-election need --cluster');
  }
  // Loaded here, not at the top: the broker pulls in etcd3 (gRPC), prom-client and the whole
  // server, which every other command (produce, topic list, --version) would pay at start.
  const { Broker } = await import('../../broker.js');
  const broker: BrokerClass = new Broker(toConfig(opts), logger);
  // Health checks answer during recovery; say where (no ws:// here: scripts wait for the ready line below).
  void broker.listening().then((a) => {
    process.stdout.write(`strata broker recovering; health at http://${formatHostPort(a)}/readyz\n`);
  });
  const { url } = await broker.start();
  const kafka = broker.kafkaAddress;
  const kafkaPart = kafka ? ` and kafka://${formatHostPort(kafka.bound)}${sameAddress(kafka.bound, kafka.advertised) ? '' : ` advertised as ${formatHostPort(kafka.advertised)}`}` : '';
  // The one line scripts and tests wait for.
  const clusterPart = broker.cluster ? `, node ${broker.cluster.nodeId} of cluster ${opts.cluster}` : '';
  const tlsPart = opts.tlsCert === undefined ? '' : `, tls: ${opts.tlsCa === undefined ? 'on' : 'mutual'}`;
  process.stdout.write(`strata broker listening on ${url}${kafkaPart} (data: ${opts.dataDir}, flush: ${opts.flush ?? 'always'}, auth: ${opts.auth}${tlsPart}${clusterPart})\n`);
  // SIGHUP: re-read the certificate files (a renewed certificate); failures are logged, the old one stays.
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading TLS certificates');
    broker.reloadTls();
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_MS_MAX }, 'shutdown took too long; exiting without clean-shutdown marker');
      process.exit(1);
    }, SHUTDOWN_MS_MAX);
    timer.unref();
    broker.stop().then(() => {
      logger.flush?.();
      process.exit(EXIT_OK);
    }, (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
