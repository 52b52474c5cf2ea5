/**
 * The Kafka listener: a TCP server whose connections speak Kafka's protocol over the same broker
 * services as the WebSocket listener: same topics, logs, producer ids and consumer groups.
 *
 * Each accepted socket becomes a ConnectionCore (broker/server/connection-core.ts), the one the
 * WebSocket listener uses, with a KafkaTransport (frames split from the byte stream, the frame
 * limit checked before buffering) and the Kafka codec (kafka-codec.ts). Differences from the
 * WebSocket listener are Kafka's, not the core's:
 * - answers leave in request order (Kafka clients match them by position);
 * - past the in-flight limit the socket stops being read until answers go out ('pause'): Kafka
 *   has no "too many requests" error, and clients bound their own pipelining (max.in.flight);
 * - no ping: a connection silent for the idle timeout is closed once nothing is in flight.
 * Each connection reads fetches ahead (fetch-read-ahead.ts), within a listener-wide budget.
 *
 * Connections past the per-IP limits (ipGate, shared with the WebSocket listener) or beyond
 * maxConnections are closed as they arrive. stop(): stop accepting, let
 * requests in flight finish (parked fetches answer at once: the broker's stopping signal), up to
 * STOP_DRAIN_MS_MAX, then close every socket (terminating those that do not close in time).
 */
import net from 'node:net';
import { KAFKA_READ_AHEAD_BYTES_MAX, KAFKA_READ_AHEAD_KEEP_MS, STOP_DRAIN_MS_MAX } from '../constants.js';
import type { Logger } from '../logger.js';
import type { PerIpGate } from '../security/per-ip-gate.js';
import { ConnectionCore } from '../server/connection-core.js';
import { ConnectionSet } from '../server/connection-set.js';
import { withDefaultHooks, type ServerHooks } from '../server/hooks.js';
import type { BrokerServices } from '../server/request-context.js';
import { newServerStats, type ServerStats } from '../server/server-stats.js';
import { FetchReadAhead, ReadAheadBudget } from './fetch-read-ahead.js';
import { kafkaHandlerLookup } from './kafka-apis.js';
import { kafkaCodec } from './kafka-codec.js';
import type { KafkaAddress } from './kafka-context.js';
import { attachSocket, KafkaTransport } from './kafka-transport.js';

export interface KafkaConnectionLimits {
  readonly frameBytesMax: number;
  readonly maxInFlight: number;
  readonly idleTimeoutMs: number;
  readonly slowConsumerBufferedBytesMax: number;
  readonly slowConsumerDropMs: number;
}

export interface KafkaServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Where clients reach this listener; defaults to the bound address. */
  readonly advertise?: KafkaAddress;
  readonly maxConnections: number;
  readonly limits: KafkaConnectionLimits;
  readonly services: BrokerServices;
  /** Security, throttling and metrics hooks; each defaults to pass-through. */
  readonly hooks?: Partial<ServerHooks>;
  readonly logger: Logger;
  /** The broker's per-IP limits, shared with the WebSocket listener; absent: none. */
  readonly ipGate?: PerIpGate;
}

export class KafkaServer {
  private server: net.Server | null = null;
  private readonly connections = new ConnectionSet();
  private nextId = 1;
  private bound: KafkaAddress | null = null;
  private readonly readAheadBudget = new ReadAheadBudget(KAFKA_READ_AHEAD_BYTES_MAX);
  private readonly hooks: ServerHooks;
  private readonly handlers = kafkaHandlerLookup(() => this.advertised);
  readonly stats: ServerStats = newServerStats();

  constructor(private readonly opts: KafkaServerOptions) {
    this.hooks = withDefaultHooks(opts.hooks);
  }

  get address(): KafkaAddress | null {
    return this.bound;
  }

  get advertised(): KafkaAddress {
    return this.opts.advertise ?? this.bound!;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Requests being served, over all connections (for the metrics, at scrape time). */
  get inFlightRequests(): number {
    let n = 0;
    for (const c of this.connections) n += c.inFlightRequests;
    return n;
  }

  async start(): Promise<KafkaAddress> {
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.logger.error({ err }, 'kafka listener error'));
    const addr = server.address() as net.AddressInfo;
    this.bound = { host: this.opts.host, port: addr.port };
    this.connections.startIdleSweep(this.opts.limits.idleTimeoutMs);
    this.opts.logger.info({ host: this.bound.host, port: this.bound.port, advertised: this.advertised }, 'kafka listener started');
    return this.bound;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
    await this.connections.drain(STOP_DRAIN_MS_MAX);
    await this.connections.closeAll('broker shutting down');
    await closedServer;
  }

  private onConnection(socket: net.Socket): void {
    if (this.opts.ipGate && !this.opts.ipGate.admit(socket, this.stats)) return;
    if (this.connections.size >= this.opts.maxConnections || !this.server) {
      this.opts.logger.warn({ max: this.opts.maxConnections }, 'kafka connection refused: too many connections');
      this.stats.connectionsRefused++;
      socket.destroy();
      return;
    }
    const id = this.nextId++;
    const logger = this.opts.logger.child({ conn: id });
    const { limits } = this.opts;
    const transport = new KafkaTransport(socket);
    const readAhead = new FetchReadAhead(this.readAheadBudget, KAFKA_READ_AHEAD_KEEP_MS);
    const conn = new ConnectionCore({
      id,
      listener: 'kafka',
      transport,
      codec: kafkaCodec,
      services: this.opts.services,
      limits: {
        maxInFlight: limits.maxInFlight,
        slowConsumerBufferedBytesMax: limits.slowConsumerBufferedBytesMax,
        slowConsumerDropMs: limits.slowConsumerDropMs,
        idleTimeoutMs: limits.idleTimeoutMs,
      },
      ordered: true,
      inFlightPolicy: 'pause',
      hooks: this.hooks,
      stats: this.stats,
      logger,
      handlers: this.handlers,
      fetchReader: readAhead.read,
      onClose: (c) => {
        readAhead.close();
        this.connections.delete(c);
      },
    });
    attachSocket(socket, transport, conn, limits.frameBytesMax);
    this.connections.add(conn);
    this.stats.connectionsAccepted++;
    logger.debug({ remote: transport.remoteAddress }, 'kafka connection opened');
  }
}
