/**
 * The WebSocket listener: an HTTP server whose upgrades go to a `ws` WebSocketServer and whose
 * plain requests go to the HTTP router (broker/http/: health, metrics, the web console; 426
 * when none is given). The WebSocket side is configured for this protocol:
 *
 *   - perMessageDeflate off: record batches carry their own compression, and deflate would cost
 *     CPU and memory per connection on the hot path;
 *   - maxPayload = limits.frameBytesMax: larger frames close the socket with 1009 before being
 *     buffered;
 *   - the per-IP limits (ipGate, shared with the Kafka listener) close a socket at accept;
 *   - connections are bounded from TCP accept, before any HTTP is read (handshake-guard.ts):
 *     maxConnections counts every accepted socket, a socket must upgrade within
 *     handshakeTimeoutMs, at most pendingHandshakesMax may be upgrading (the oldest is dropped
 *     for a new one), and when every slot holds an upgraded connection a new one gets HTTP 503;
 *   - idle sweep: ping every idleTimeoutMs / 2, terminate a connection silent since the last one;
 *   - upgrades from a browser page whose Origin the policy refuses get 403 before any WebSocket
 *     exists (broker/http/origin-policy.ts); requests the HTTP parser cannot read get 400 (431
 *     for oversized headers) and are closed.
 *
 * TLS (`tls` given): the server is an https one, so the port serves wss:// and the HTTP endpoints
 * over https. The guard still sees the raw TCP socket at accept, so the handshake timeout and the
 * pending-handshake bound cover the TLS handshake too; a failed TLS handshake (plaintext or
 * garbage, a missing or refused client certificate) is counted and the socket closed by Node.
 * With mutual TLS the verified client certificate names the connection's principal
 * (broker/security/tls-principal.ts). setSecureContext() swaps the certificate for new
 * connections; open ones keep theirs.
 *
 * The listener may listen before the broker has recovered (so /healthz and /readyz answer during
 * recovery): until attach(services) upgrades get 503 "broker is starting".
 *
 * Each upgraded socket becomes a ConnectionCore (broker/server/connection-core.ts) with a
 * WsTransport and the protobuf codec (ws-codec.ts): answers out of order, excess requests
 * refused with TooManyRequestsError.
 *
 * Shutdown is in steps, driven by Broker.stop(): stopAccepting(), then drain() in-flight
 * requests with a bound, then closeAll() sockets with 1001 (terminating any that do not finish
 * the closing handshake in time).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BrokerLimits } from '../config.js';
import type { HttpRouter } from '../http/http-router.js';
import { originAllowed, SAME_ORIGIN, type OriginPolicy } from '../http/origin-policy.js';
import { endWithStatus, statusOfParseError } from '../http/raw-responses.js';
import type { Logger } from '../logger.js';
import { ConnectionCore } from '../server/connection-core.js';
import { ConnectionSet } from '../server/connection-set.js';
import { withDefaultHooks, type ServerHooks } from '../server/hooks.js';
import type { BrokerServices } from '../server/request-context.js';
import { newServerStats, type ServerStats } from '../server/server-stats.js';
import type { PerIpGate } from '../security/per-ip-gate.js';
import { certificatePrincipal } from '../security/tls-principal.js';
import { TLS_REFUSAL_HEADER } from '../../proto/tls-refusal.js';
import type { TlsServerOptions } from '../security/tls-material.js';
import { HandshakeGuard } from './handshake-guard.js';
import { wsCodec } from './ws-codec.js';
import { attachWebSocket, WsTransport } from './ws-transport.js';

export interface WsListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly limits: BrokerLimits;
  /** What connections serve; may come later through attach() (upgrades get 503 until then). */
  readonly services?: BrokerServices;
  /** Plain HTTP requests; absent: every plain request gets 426. */
  readonly http?: HttpRouter;
  /** Which browser Origins may upgrade. @default SAME_ORIGIN */
  readonly originPolicy?: OriginPolicy;
  /** Security, throttling and metrics hooks; each defaults to pass-through. */
  readonly hooks?: Partial<ServerHooks>;
  /** Logger with { component: 'server' }. */
  readonly logger: Logger;
  /** The broker's per-IP limits, shared with the Kafka listener; absent: none. */
  readonly ipGate?: PerIpGate;
  /** Serve wss:// and https with these (broker/security/tls-material.ts); absent: plaintext. */
  readonly tls?: TlsServerOptions;
}

export class WsListener {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new ConnectionSet();
  private readonly hooks: ServerHooks;
  private readonly guard: HandshakeGuard;
  readonly stats: ServerStats = newServerStats();
  private nextConnectionId = 1;
  private closedHttp: Promise<void> | null = null;
  private services: BrokerServices | null;
  private readonly originPolicy: OriginPolicy;
  /**
   * TLS only: the raw TCP socket the guard counts, by peer `address:port` (unique among a
   * listener's live connections), for the TLS socket requests arrive on.
   */
  private readonly rawByPeer = new Map<string, Socket>();

  constructor(private readonly opts: WsListenerOptions) {
    this.hooks = withDefaultHooks(opts.hooks);
    this.services = opts.services ?? null;
    this.originPolicy = opts.originPolicy ?? SAME_ORIGIN;
    this.guard = new HandshakeGuard(opts.limits, this.stats, opts.logger);
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      // A plain HTTP request ends the handshake phase once read; the answer closes the
      // connection, and the router bounds how long writing it may take.
      this.guard.settle(this.guarded(req.socket));
      const refused = this.certificateRefusal(req.socket);
      if (refused !== null) {
        res.writeHead(403, { 'content-type': 'text/plain', connection: 'close', [TLS_REFUSAL_HEADER]: refused });
        res.end(`client certificate refused: ${refused}\n`);
        return;
      }
      if (opts.http) return opts.http.handle(req, res);
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
      res.end('Strata speaks WebSocket only\n');
    };
    // Node's own TLS handshake timer runs too, bounded like the guard's. Client certificates
    // are verified by Node but refused here (certificateRefusal), so the client learns why
    // (proto/tls-refusal.ts) instead of seeing a dropped socket.
    this.http = opts.tls
      ? createHttpsServer({ ...opts.tls, rejectUnauthorized: false, handshakeTimeout: opts.limits.handshakeTimeoutMs }, onRequest)
      : createServer(onRequest);
    if (opts.tls) {
      this.http.on('secureConnection', (socket: TLSSocket) => {
        if (opts.tls?.requestCert && !socket.authorized) {
          this.stats.tlsHandshakesFailed++;
          opts.logger.debug({ reason: socket.authorizationError ?? 'no certificate' }, 'tls client certificate refused');
        }
      });
      this.http.on('tlsClientError', (err: NodeJS.ErrnoException) => {
        // A timed-out TLS handshake was counted by the guard, which dropped it.
        if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return;
        this.stats.tlsHandshakesFailed++;
        opts.logger.debug({ err: { code: err.code, message: err.message } }, 'tls handshake failed');
      });
    }
    // Unparseable requests (garbage, oversized headers): a short answer, then the socket closes.
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      // Under TLS, https also reports failed TLS handshakes here (counted on 'tlsClientError'),
      // and leaves closing them to this handler: no HTTP answer can go over a broken TLS session.
      if (opts.tls && !isHttpParseError(err)) return socket.destroy();
      this.stats.badHttpRequests++;
      opts.logger.debug({ err: { code: err.code, message: err.message } }, 'unreadable http request');
      if (err.code === 'ECONNRESET') return socket.destroy();
      endWithStatus(socket, statusOfParseError(err), 'bad request');
    });
    // The per-IP gate, then the guard, see every socket at accept, before the HTTP parser (or,
    // under TLS, the TLS handshake) reads a byte of it.
    this.http.on('connection', (socket: Socket) => {
      if (opts.ipGate && !opts.ipGate.admit(socket, this.stats)) return;
      if (opts.tls) {
        const peer = peerKey(socket);
        this.rawByPeer.set(peer, socket);
        socket.once('close', () => { if (this.rawByPeer.get(peer) === socket) this.rawByPeer.delete(peer); });
      }
      this.guard.accepted(socket);
    });
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: opts.limits.frameBytesMax,
      clientTracking: false,
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      // Dropped (timed out, evicted) or refused with 503 at accept: nothing to upgrade.
      const raw = this.guarded(socket);
      if (!this.guard.isPending(raw)) {
        socket.destroy();
        return;
      }
      const refused = this.certificateRefusal(socket);
      if (refused !== null) {
        this.guard.settle(raw);
        return endWithCertificateRefusal(socket, refused);
      }
      const origin = req.headers.origin;
      if (!originAllowed(this.originPolicy, origin, req.headers.host)) {
        this.guard.settle(raw);
        this.stats.upgradesRefusedOrigin++;
        opts.logger.debug({ origin, host: req.headers.host }, 'upgrade refused: origin not allowed');
        return endWithStatus(socket, 403, 'origin not allowed (see --allowed-origins)');
      }
      if (!this.services) {
        this.guard.settle(raw);
        return endWithStatus(socket, 503, 'broker is starting (recovering its logs); retry shortly');
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.guard.settle(raw);
        this.onConnection(ws, req);
      });
    });
    this.wss.on('wsClientError', (err, socket) => {
      this.stats.badHttpRequests++;
      opts.logger.debug({ err }, 'bad upgrade request');
      endWithStatus(socket, 400, 'bad websocket upgrade request');
    });
  }

  /** Whether the port speaks TLS (wss://). */
  get tls(): boolean {
    return this.opts.tls !== undefined;
  }

  /** New certificate and key (a reload): used by connections accepted from now on. */
  setSecureContext(options: TlsServerOptions): void {
    if (!this.opts.tls) return;
    (this.http as HttpsServer).setSecureContext(options);
  }

  /** Under mutual TLS, why the connection's client certificate is refused; null when it is not. */
  private certificateRefusal(socket: Socket): string | null {
    if (!this.opts.tls?.requestCert) return null;
    const tlsSocket = socket as TLSSocket;
    if (tlsSocket.authorized === true) return null;
    return String(tlsSocket.authorizationError ?? 'no certificate');
  }

  /** The socket the guard counts for `socket`: itself, or under TLS the raw one beneath it. */
  private guarded(socket: Socket): Socket {
    return this.opts.tls ? this.rawByPeer.get(peerKey(socket)) ?? socket : socket;
  }

  /** Gives the listener what its connections serve: from now on upgrades are accepted. */
  attach(services: BrokerServices): void {
    this.services = services;
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

  /** Sockets counted from accept (upgraded, handshaking or answering plain HTTP). */
  get openSockets(): number {
    return this.guard.openConnections;
  }

  /** Starts listening; resolves with the bound address (the OS-picked port when port is 0). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.http.once('error', onError);
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', onError);
        this.http.on('error', (err) => this.opts.logger.error({ err }, 'listener error'));
        this.connections.startIdleSweep(this.opts.limits.idleTimeoutMs);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** Refuses new connections and drops those still handshaking; upgraded ones keep working. */
  stopAccepting(): void {
    if (this.closedHttp) return;
    this.closedHttp = new Promise((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    this.guard.close();
  }

  /** Waits until no connection has a request in flight, or `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    return this.connections.drain(timeoutMs);
  }

  /** Closes every connection with 1001 and waits (bounded) until the listener is fully closed. */
  async closeAll(): Promise<void> {
    await this.connections.closeAll('broker shutting down');
    this.stopAccepting();
    this.wss.close();
    this.http.closeAllConnections();
    await this.closedHttp;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const id = this.nextConnectionId++;
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const logger = this.opts.logger.child({ conn: id });
    const { limits } = this.opts;
    const conn = new ConnectionCore({
      id,
      listener: 'ws',
      transport: new WsTransport(ws, remote, req.socket),
      certificatePrincipal: this.opts.tls?.requestCert ? certificatePrincipal(req.socket as TLSSocket) ?? undefined : undefined,
      codec: wsCodec,
      services: this.services!,
      limits: {
        maxInFlight: limits.maxInFlightRequestsPerConnection,
        slowConsumerBufferedBytesMax: limits.slowConsumerBufferedBytesMax,
        slowConsumerDropMs: limits.slowConsumerDropMs,
        idleTimeoutMs: limits.idleTimeoutMs,
      },
      ordered: false,
      inFlightPolicy: 'reject',
      hooks: this.hooks,
      stats: this.stats,
      logger,
      onClose: (c) => this.connections.delete(c),
    });
    attachWebSocket(ws, conn);
    this.connections.add(conn);
    this.stats.connectionsAccepted++;
    logger.debug({ remote }, 'connection opened');
  }
}

/** 403 with the refusal header (raw: the upgrade has no ServerResponse), then close. */
function endWithCertificateRefusal(socket: Duplex, reason: string): void {
  const body = `client certificate refused: ${reason}\n`;
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n${TLS_REFUSAL_HEADER}: ${reason.replace(/[\r\n]/g, ' ')}\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Errors of Node's HTTP parser and request timers, as opposed to a failed TLS handshake. */
function isHttpParseError(err: NodeJS.ErrnoException): boolean {
  return typeof err.code === 'string' && (err.code.startsWith('HPE_') || err.code.startsWith('ERR_HTTP_'));
}

function peerKey(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? '?'}`;
}
