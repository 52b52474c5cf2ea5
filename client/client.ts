/**
 * The SDK entry point: `new Strata(options)` (or `createClient(options)`) holds the settings
 * and hands out producers, consumers and an admin client, as kafkajs's `Kafka` does.
 *
 * Connections: each producer and each consumer gets its own WebSocket, so a consumer's long
 * polls and a producer's pipelined batches never queue behind each other; the admin client
 * shares one more. Nothing connects until first used. `close()` closes everything it handed
 * out (producers flush first).
 */
import { ThrottleCounter, type ThrottleStats } from './throttle-stats.js';
import { ConnectionClosedError, InvalidConfigError } from '../proto/errors.js';
import { Admin } from './admin.js';
import { Connection } from './connection.js';
import {
  BROKER_URL_DEFAULT, CLIENT_ID_DEFAULT, CONNECT_TIMEOUT_MS_DEFAULT, IN_FLIGHT_REQUESTS_MAX_DEFAULT,
  QUEUED_REQUESTS_MAX_DEFAULT, REQUEST_TIMEOUT_MS_DEFAULT,
} from './constants.js';
import { Consumer } from './consumer.js';
import { resolveConsumerOptions, type ConsumerOptions } from './consumer-options.js';
import { createGroupConsumer } from './group/create-group-consumer.js';
import { GroupAdmin } from './group/group-admin.js';
import { SecurityAdmin } from './security-admin.js';
import type { GroupConsumer } from './group/group-consumer.js';
import type { GroupConsumerOptions } from './group/group-options.js';
import { LeaderRouter } from './leader-router.js';
import { NOOP_LOGGER, type Logger } from './logger.js';
import { BrokerDirectory } from './broker-directory.js';
import { Producer } from './producer.js';
import { resolveProducerOptions, type ProducerOptions } from './producer-options.js';
import { resolveRetryPolicy, type RetryOptions, type RetryPolicy } from './retry.js';
import { resolveSaslOptions, type ResolvedSasl, type SaslOptions } from './sasl/sasl-options.js';
import type { SocketFactory } from './socket.js';
import { resolveTlsOptions, type ResolvedTls, type TlsOptions } from './tls-options.js';

/** Options of `new Strata()` / `createClient()`. */
export interface ClientOptions {
  /**
   * Bootstrap brokers: WebSocket URLs (a list, or one string with commas). The first one that
   * answers names every broker of the cluster; producers and consumers then talk to each
   * partition's leader, and a broker alone is simply the leader of everything.
   * @default 'ws://127.0.0.1:7171'
   */
  brokers?: string | readonly string[];
  /** Sent to the broker in the handshake, for its logs. @default 'strata-js' */
  clientId?: string;
  /** Time for the WebSocket to open and the handshake to answer. @default 10000 */
  connectTimeoutMs?: number;
  /** Time a request may wait for its response (fetches add their maxWaitMs). @default 30000 */
  requestTimeoutMs?: number;
  /** Retries of retriable failures. @default { retries: 5, initialRetryTimeMs: 100, maxRetryTimeMs: 10000, multiplier: 2 } */
  retry?: RetryOptions;
  /** Where the SDK logs (pino-compatible). @default no logging */
  logger?: Logger;
  /** Requests a connection keeps awaiting a response. @default 32 */
  inFlightRequestsMax?: number;
  /** Requests a connection queues beyond those; more fail with TooManyRequestsError. @default 10000 */
  queuedRequestsMax?: number;
  /** Opens WebSockets. @default `defaultSocketFactory`: the `ws` package on Node, the page's WebSocket in a browser */
  socketFactory?: SocketFactory;
  /**
   * Log every connection in with SASL SCRAM (brokers started with `--auth scram`). The password
   * never crosses the wire; the broker proves it knows the user too.
   * @default no login
   */
  sasl?: SaslOptions;
  /**
   * TLS of `wss://` brokers: the CA to trust, and a client certificate for brokers that require
   * one (started with --tls-ca). A certificate that does not verify fails with
   * TlsHandshakeError (not retried). Node only: a browser uses its own trust store.
   * @default the system's trusted CAs, no client certificate
   */
  tls?: TlsOptions;
}

interface ResolvedClientOptions {
  url: string;
  bootstrap: string[];
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  inFlightRequestsMax: number;
  queuedRequestsMax: number;
  socketFactory: SocketFactory | undefined;
  sasl: ResolvedSasl | null;
  tls: ResolvedTls | null;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidConfigError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  const brokers = o.brokers ?? BROKER_URL_DEFAULT;
  const bootstrap = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((u) => String(u).trim()).filter((u) => u.length > 0);
  for (const u of bootstrap) if (!/^wss?:\/\//.test(u)) throw new InvalidConfigError(`brokers must be ws:// or wss:// URLs, got ${u}`);
  const url = bootstrap[0];
  if (!url) throw new InvalidConfigError(`brokers must name at least one ws:// or wss:// URL, got ${String(brokers)}`);
  return {
    url,
    bootstrap,
    clientId: o.clientId ?? CLIENT_ID_DEFAULT,
    connectTimeoutMs: positiveInt('connectTimeoutMs', o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT),
    requestTimeoutMs: positiveInt('requestTimeoutMs', o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT),
    retry: resolveRetryPolicy(o.retry),
    logger: o.logger ?? NOOP_LOGGER,
    inFlightRequestsMax: positiveInt('inFlightRequestsMax', o.inFlightRequestsMax ?? IN_FLIGHT_REQUESTS_MAX_DEFAULT),
    queuedRequestsMax: positiveInt('queuedRequestsMax', o.queuedRequestsMax ?? QUEUED_REQUESTS_MAX_DEFAULT),
    socketFactory: o.socketFactory,
    sasl: resolveSaslOptions(o.sasl),
    tls: resolveTlsOptions(o.tls),
  };
}

export class Strata {
  private readonly opts: ResolvedClientOptions;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer<unknown>>();
  private adminConn: Connection | null = null;
  private adminClient: Admin | null = null;
  private readonly groupConsumers = new Set<GroupConsumer<unknown>>();
  private groupAdminClient: GroupAdmin | null = null;
  /** The group admin's routes to coordinators; its extra connections close with the client. */
  private groupAdminRouter: LeaderRouter | null = null;
  private securityAdminClient: SecurityAdmin | null = null;
  private closed = false;
  private readonly throttle = new ThrottleCounter();
  /** The brokers learned by any of this client's producers, consumers and admin clients. */
  private readonly directory = new BrokerDirectory();

  constructor(options: ClientOptions = {}) {
    this.opts = resolveClientOptions(options);
  }

  /** The broker URL in use. */
  get url(): string { return this.opts.url; }

  /** A new producer with its own connection (connected on first send or `connect()`). */
  producer(options: ProducerOptions = {}): Producer {
    this.checkOpen();
    const resolved = resolveProducerOptions(options);
    const connection = this.newConnection();
    const producer = new Producer(resolved, {
      connection,
      ownsConnection: true,
      router: new LeaderRouter({ first: connection, bootstrap: this.opts.bootstrap, directory: this.directory }),
      retry: options.retry ? resolveRetryPolicy(options.retry) : this.opts.retry,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      logger: this.opts.logger,
    });
    this.producers.add(producer);
    return producer;
  }

  /**
   * A new consumer with its own connection; call `assign()` then iterate. With `groupId`, a
   * member of that consumer group instead: call `subscribe()` then iterate.
   */
  consumer(options: GroupConsumerOptions & { decode: 'utf8' }): GroupConsumer<string>;
  consumer(options: GroupConsumerOptions): GroupConsumer<Uint8Array>;
  consumer(options: ConsumerOptions & { decode: 'utf8' }): Consumer<string>;
  consumer(options?: ConsumerOptions): Consumer<Uint8Array>;
  consumer(options: ConsumerOptions | GroupConsumerOptions = {}): Consumer<Uint8Array> | Consumer<string> | GroupConsumer<Uint8Array> | GroupConsumer<string> {
    this.checkOpen();
    if ('groupId' in options && options.groupId !== undefined) {
      const member = createGroupConsumer<Uint8Array>(options, {
        connection: this.newConnection(),
        bootstrap: this.opts.bootstrap,
        directory: this.directory,
        retry: options.retry ? resolveRetryPolicy(options.retry) : this.opts.retry,
        requestTimeoutMs: this.opts.requestTimeoutMs,
        clientId: this.opts.clientId,
        logger: this.opts.logger,
      });
      this.groupConsumers.add(member as GroupConsumer<unknown>);
      return member;
    }
    const connection = this.newConnection();
    const consumer = new Consumer<Uint8Array>(resolveConsumerOptions(options), {
      connection,
      ownsConnection: true,
      router: new LeaderRouter({ first: connection, bootstrap: this.opts.bootstrap, directory: this.directory }),
      retry: options.retry ? resolveRetryPolicy(options.retry) : this.opts.retry,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      logger: this.opts.logger,
    });
    this.consumers.add(consumer as Consumer<unknown>);
    return consumer;
  }

  /** The admin client (one per Strata instance, sharing one connection). */
  admin(): Admin {
    this.checkOpen();
    if (!this.adminClient) {
      this.adminConn = this.newConnection();
      this.adminClient = new Admin({
        connection: this.adminConn, retry: this.opts.retry,
        router: new LeaderRouter({ first: this.adminConn, bootstrap: this.opts.bootstrap, directory: this.directory }),
      });
    }
    return this.adminClient;
  }

  /** Consumer-group administration (list, describe, reset, delete), sharing the admin connection. */
  groupAdmin(): GroupAdmin {
    this.admin();
    if (!this.groupAdminClient) {
      this.groupAdminRouter = new LeaderRouter({ first: this.adminConn!, bootstrap: this.opts.bootstrap, directory: this.directory });
      this.groupAdminClient = new GroupAdmin({ connection: this.adminConn!, retry: this.opts.retry, router: this.groupAdminRouter });
    }
    return this.groupAdminClient;
  }

  /** Users (and, with authentication on, who may do what), sharing the admin connection. */
  securityAdmin(): SecurityAdmin {
    this.admin();
    this.securityAdminClient ??= new SecurityAdmin({ connection: this.adminConn!, retry: this.opts.retry });
    return this.securityAdminClient;
  }

  /**
   * How often and how long the brokers held this client's answers for its quotas (produce and
   * fetch byte rates, request rate), over every producer, consumer and admin connection of
   * this client. A snapshot.
   */
  throttleStats(): ThrottleStats {
    return this.throttle.snapshot();
  }

  /** Flushes and closes every producer, closes every consumer and the admin connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled([
      ...[...this.producers].map((p) => p.close()),
      ...[...this.consumers].map((c) => c.close()),
      ...[...this.groupConsumers].map((c) => c.close()),
      this.adminConn?.close(),
      this.adminClient?.closeExtraConnections(),
      this.groupAdminRouter?.close({ keepFirst: true }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private newConnection(): Connection {
    return new Connection({
      url: this.opts.url,
      clientId: this.opts.clientId,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      inFlightRequestsMax: this.opts.inFlightRequestsMax,
      queuedRequestsMax: this.opts.queuedRequestsMax,
      socketFactory: this.opts.socketFactory,
      logger: this.opts.logger,
      sasl: this.opts.sasl,
      throttle: this.throttle,
      tls: this.opts.tls,
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectionClosedError('this Strata client is closed');
  }
}

/** Same as `new Strata(options)`. */
export function createClient(options: ClientOptions = {}): Strata {
  return new Strata(options);
}
