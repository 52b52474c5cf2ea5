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
 * Shutdown is in steps, driven by Broker.stop(): stopAccepting(), then drain() in-flight
 * requests with a bound, then closeAll() sockets with 1001 (terminating any that do not finish
 * the closing handshake in time).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BrokerLimits } from '../config.js';
import type { Logger } from '../logger.js';
import { CloseCode, Connection } from './connection.js';
import type { BrokerServices } from './request-context.js';
import { newServerStats, type ServerStats } from './server-stats.js';

/** How long closeAll() waits for closing handshakes before terminating sockets. */
export const CLOSE_HANDSHAKE_MS_MAX = 1_000;

export interface WsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly limits: BrokerLimits;
  readonly services: BrokerServices;
  /** Logger with { component: 'server' }. */
  readonly logger: Logger;
}

export class WsServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  readonly stats: ServerStats = newServerStats();
  private sweepTimer: NodeJS.Timeout | null = null;
  private nextConnectionId = 1;
  private closedHttp: Promise<void> | null = null;
  private emptyWaiters: Array<() => void> = [];

  constructor(private readonly opts: WsServerOptions) {
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
        const sweepMs = Math.max(1, Math.floor(this.opts.limits.idleTimeoutMs / 2));
        this.sweepTimer = setInterval(() => this.sweepIdle(), sweepMs);
        this.sweepTimer.unref();
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
  async drain(timeoutMs: number): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.whenIdle(timeoutMs)));
  }

  /** Closes every connection with 1001 and waits (bounded) until the listener is fully closed. */
  async closeAll(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const open = [...this.connections];
    for (const c of open) c.close(CloseCode.GOING_AWAY, 'broker shutting down');
    if (open.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const c of this.connections) c.terminate();
          resolve();
        }, CLOSE_HANDSHAKE_MS_MAX);
        this.emptyWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
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
    const conn = new Connection({
      id, ws, remote, logger,
      services: this.opts.services,
      limits: this.opts.limits,
      stats: this.stats,
      onClose: (c) => {
        this.connections.delete(c);
        if (this.connections.size === 0) for (const wake of this.emptyWaiters.splice(0)) wake();
      },
    });
    this.connections.add(conn);
    this.stats.connectionsAccepted++;
    logger.debug({ remote }, 'connection opened');
  }

  private sweepIdle(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        this.opts.logger.info({ conn: c.id, idleTimeoutMs: this.opts.limits.idleTimeoutMs }, 'idle connection terminated');
        this.stats.idleConnectionsTerminated++;
        c.terminate();
        continue;
      }
      c.alive = false;
      c.ping();
    }
  }
}
