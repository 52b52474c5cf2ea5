/**
 * The WebSocket listener: an HTTP server that only upgrades (plain HTTP gets 426), with a `ws`
 * WebSocketServer on top, configured for this protocol:
 *
 *   - perMessageDeflate off: record batches carry their own compression, and deflate would cost
 *     CPU and memory per connection on the hot path;
 *   - maxPayload = limits.frameBytesMax: larger frames close the socket with 1009 before being
 *     buffered;
 *   - connections are bounded from TCP accept, before any HTTP is read (handshake-guard.ts):
 *     maxConnections counts every accepted socket, a socket must upgrade within
 *     handshakeTimeoutMs, at most pendingHandshakesMax may be upgrading (the oldest is dropped
 *     for a new one), and when every slot holds an upgraded connection a new one gets HTTP 503;
 *   - idle sweep: ping every idleTimeoutMs / 2, terminate a connection silent since the last one.
 *
 * Each upgraded socket becomes a ConnectionCore (broker/server/connection-core.ts) with a
 * WsTransport and the protobuf codec (ws-codec.ts): answers out of order, excess requests
 * refused with TooManyRequestsError.
 *
 * Shutdown is in steps, driven by Broker.stop(): stopAccepting(), then drain() in-flight
 * requests with a bound, then closeAll() sockets with 1001 (terminating any that do not finish
 * the closing handshake in time).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BrokerLimits } from '../config.js';
import type { Logger } from '../logger.js';
import { ConnectionCore } from '../server/connection-core.js';
import { ConnectionSet } from '../server/connection-set.js';
import { withDefaultHooks, type ServerHooks } from '../server/hooks.js';
import type { BrokerServices } from '../server/request-context.js';
import { newServerStats, type ServerStats } from '../server/server-stats.js';
import { HandshakeGuard } from './handshake-guard.js';
import { wsCodec } from './ws-codec.js';
import { attachWebSocket, WsTransport } from './ws-transport.js';

export interface WsListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly limits: BrokerLimits;
  readonly services: BrokerServices;
  /** Security, throttling and metrics hooks; each defaults to pass-through. */
  readonly hooks?: Partial<ServerHooks>;
  /** Logger with { component: 'server' }. */
  readonly logger: Logger;
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

  constructor(private readonly opts: WsListenerOptions) {
    this.hooks = withDefaultHooks(opts.hooks);
    this.guard = new HandshakeGuard(opts.limits, this.stats, opts.logger);
    this.http = createServer((req, res) => {
      // A plain HTTP request ends the handshake phase; the answer closes the connection.
      this.guard.settle(req.socket);
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
      res.end('Strata speaks WebSocket only\n');
    });
    // The guard sees every socket at accept, before the HTTP parser reads a byte of it.
    this.http.on('connection', (socket: Socket) => this.guard.accepted(socket));
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: opts.limits.frameBytesMax,
      clientTracking: false,
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      // Dropped (timed out, evicted) or refused with 503 at accept: nothing to upgrade.
      if (!this.guard.isPending(socket)) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.guard.settle(socket);
        this.onConnection(ws, req);
      });
    });
    this.wss.on('wsClientError', (err, socket) => {
      opts.logger.debug({ err }, 'bad upgrade request');
      socket.destroy();
    });
  }

  get connectionCount(): number {
    return this.connections.size;
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
      transport: new WsTransport(ws, remote),
      codec: wsCodec,
      services: this.opts.services,
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
