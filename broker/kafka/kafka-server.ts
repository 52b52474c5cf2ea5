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
 * SSL (`tls` given): a TLS server, what Kafka clients call security.protocol SSL (SASL_SSL once
 * the broker also runs --auth scram). A connection counts against maxConnections from TCP
 * accept, and must finish its TLS handshake within handshakeTimeoutMs (dropped and counted
 * otherwise); failed handshakes (plaintext or garbage bytes, a missing or refused client
 * certificate) are counted and closed by Node. With mutual TLS the verified client certificate
 * names the connection's principal (broker/security/tls-principal.ts). setSecureContext() swaps
 * the certificate for new connections; open ones keep theirs.
 *
 * Connections past the per-IP limits (ipGate, shared with the WebSocket listener; under TLS at
 * TCP accept, before the handshake) or beyond maxConnections are closed as they arrive. stop():
 * stop accepting, let requests in flight finish (parked fetches answer at once: the broker's stopping signal), up to
 * STOP_DRAIN_MS_MAX, then close every socket (terminating those that do not close in time).
 */
import net from 'node:net';
import tls from 'node:tls';
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
import { certificatePrincipal } from '../security/tls-principal.js';
import type { TlsServerOptions } from '../security/tls-material.js';

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
  /** Speak SSL with these (broker/security/tls-material.ts); absent: plaintext. */
  readonly tls?: TlsServerOptions;
  /** TLS only: how long a connection may take to finish its TLS handshake. */
  readonly handshakeTimeoutMs?: number;
}

/** Longest a TLS handshake may take when the options do not say (the WebSocket listener's default). */
const TLS_HANDSHAKE_TIMEOUT_MS_DEFAULT = 5_000;

export class KafkaServer {
  private server: net.Server | null = null;
  /**
   * TLS only: sockets accepted whose TLS handshake has not finished (they count against
   * maxConnections), by peer `address:port`, unique among a listener's live connections.
   */
  private readonly tlsPending = new Map<string, net.Socket>();
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
    const server = this.opts.tls ? this.createTlsServer(this.opts.tls) : net.createServer((socket) => this.onConnection(socket));
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

  /** Whether the listener speaks SSL. */
  get tls(): boolean {
    return this.opts.tls !== undefined;
  }

  /** New certificate and key (a reload): used by connections accepted from now on. */
  setSecureContext(options: TlsServerOptions): void {
    if (this.server && this.opts.tls) (this.server as tls.Server).setSecureContext(options);
  }

  private createTlsServer(options: TlsServerOptions): tls.Server {
    const handshakeTimeout = this.opts.handshakeTimeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS_DEFAULT;
    // Node verifies client certificates; refusing them here (not by rejectUnauthorized, which
    // drops the socket silently after the handshake) lets the refusal be counted and logged.
    const server = tls.createServer({ ...options, rejectUnauthorized: false, handshakeTimeout }, (socket) => {
      this.tlsPending.delete(peerKey(socket));
      if (options.requestCert && !socket.authorized) {
        this.stats.tlsHandshakesFailed++;
        this.opts.logger.debug({ reason: socket.authorizationError ?? 'no certificate' }, 'kafka tls client certificate refused');
        socket.destroy();
        return;
      }
      const principal = options.requestCert ? certificatePrincipal(socket) ?? undefined : undefined;
      this.onConnection(socket, principal);
    });
    // At TCP accept, before any TLS byte: a handshake in progress holds a connection slot.
    server.on('connection', (raw: net.Socket) => {
      if (this.opts.ipGate && !this.opts.ipGate.admit(raw, this.stats)) return;
      if (this.connections.size + this.tlsPending.size >= this.opts.maxConnections || !this.server) {
        this.opts.logger.warn({ max: this.opts.maxConnections }, 'kafka connection refused: too many connections');
        this.stats.connectionsRefused++;
        raw.destroy();
        return;
      }
      const peer = peerKey(raw);
      this.tlsPending.set(peer, raw);
      raw.once('close', () => { if (this.tlsPending.get(peer) === raw) this.tlsPending.delete(peer); });
    });
    // With a listener here Node leaves the failed socket open: close it (nothing can go over it).
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      socket.destroy();
      if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') this.stats.handshakesTimedOut++;
      else this.stats.tlsHandshakesFailed++;
      this.opts.logger.debug({ err: { code: err.code, message: err.message } }, 'kafka tls handshake failed');
    });
    return server;
  }

  /** `certificatePrincipal` is set only for TLS sockets, which the gate admitted at TCP accept. */
  private onConnection(socket: net.Socket, certificatePrincipal?: string): void {
    if (!this.opts.tls && this.opts.ipGate && !this.opts.ipGate.admit(socket, this.stats)) return;
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
      certificatePrincipal,
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

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? '?'}`;
}
