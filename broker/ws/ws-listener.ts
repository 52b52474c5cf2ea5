/**
 * The WebSocket listener: an HTTP server that only upgrades (plain HTTP gets 426), with a `ws`
 * WebSocketServer on top, configured for this protocol:
 *
 *   - perMessageDeflate off: record batches carry their own compression, and deflate would cost
 *     CPU and memory per connection on the hot path;
 *   - maxPayload = limits.frameBytesMax: larger frames close the socket with 1009 before being
 *     buffered;
 *   - maxConnections: further upgrades are refused with HTTP 503;
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
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BrokerLimits } from '../config.js';
import type { Logger } from '../logger.js';
import { ConnectionCore } from '../server/connection-core.js';
import { ConnectionSet } from '../server/connection-set.js';
import { withDefaultHooks, type ServerHooks } from '../server/hooks.js';
import type { BrokerServices } from '../server/request-context.js';
import { newServerStats, type ServerStats } from '../server/server-stats.js';
import { wsCodec } from './ws-codec.js';
import { attachWebSocket, CloseCode, WsTransport } from './ws-transport.js';

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
  readonly stats: ServerStats = newServerStats();
  private nextConnectionId = 1;
  private closedHttp: Promise<void> | null = null;

  constructor(private readonly opts: WsListenerOptions) {
    this.hooks = withDefaultHooks(opts.hooks);
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('Strata speaks WebSocket only\n');
    });
    this.wss = new WebSocketServer({
      server: this.http,
      perMessageDeflate: false,
      maxPayload: opts.limits.frameBytesMax,
      clientTracking: false,
      verifyClient: (_info, cb) => {
        if (this.connections.size >= opts.limits.maxConnections) {
          this.stats.connectionsRefused++;
          cb(false, 503, 'too many connections');
        } else {
          cb(true);
        }
      },
    });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    // ws re-emits the HTTP server's errors (EADDRINUSE...) on itself; without a listener that
    // would throw out of the emit before listen() sees the error. listen() reports them.
    this.wss.on('error', (err) => opts.logger.debug({ err }, 'listener error relayed by ws'));
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

  /** Refuses new connections; existing ones keep working. */
  stopAccepting(): void {
    if (this.closedHttp) return;
    this.closedHttp = new Promise((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
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
    if (this.connections.size >= this.opts.limits.maxConnections) {
      // verifyClient raced with another upgrade: refuse after the fact.
      this.stats.connectionsRefused++;
      ws.close(CloseCode.TRY_AGAIN_LATER, 'too many connections');
      return;
    }
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
