/**
 * The Kafka listener: a TCP server whose connections speak Kafka's protocol (kafka-connection.ts)
 * over the same broker services as the WebSocket listener: same topics, logs, producer ids and
 * consumer groups.
 *
 * Connections beyond maxConnections are closed as they arrive. stop(): stop accepting, let
 * requests in flight finish (parked fetches answer at once: the broker's stopping signal), up to
 * STOP_DRAIN_MS_MAX, then end every socket.
 */
import net from 'node:net';
import { KAFKA_READ_AHEAD_BYTES_MAX, STOP_DRAIN_MS_MAX } from '../constants.js';
import type { Logger } from '../logger.js';
import type { BrokerServices } from '../server/request-context.js';
import type { KafkaAddress } from './kafka-context.js';
import { ReadAheadBudget } from './fetch-read-ahead.js';
import { KafkaConnection, type KafkaConnectionLimits } from './kafka-connection.js';

export interface KafkaServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Where clients reach this listener; defaults to the bound address. */
  readonly advertise?: KafkaAddress;
  readonly maxConnections: number;
  readonly limits: KafkaConnectionLimits;
  readonly services: BrokerServices;
  readonly logger: Logger;
}

export class KafkaServer {
  private server: net.Server | null = null;
  private readonly connections = new Set<KafkaConnection>();
  private nextId = 1;
  private bound: KafkaAddress | null = null;
  private readonly readAheadBudget = new ReadAheadBudget(KAFKA_READ_AHEAD_BYTES_MAX);

  constructor(private readonly opts: KafkaServerOptions) {}

  get address(): KafkaAddress | null {
    return this.bound;
  }

  get advertised(): KafkaAddress {
    return this.opts.advertise ?? this.bound!;
  }

  get connectionCount(): number {
    return this.connections.size;
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
    this.opts.logger.info({ host: this.bound.host, port: this.bound.port, advertised: this.advertised }, 'kafka listener started');
    return this.bound;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.whenIdle(STOP_DRAIN_MS_MAX)));
    for (const c of this.connections) c.end();
    const deadline = setTimeout(() => { for (const c of this.connections) c.destroy(); }, STOP_DRAIN_MS_MAX);
    await closedServer;
    clearTimeout(deadline);
  }

  private onConnection(socket: net.Socket): void {
    if (this.connections.size >= this.opts.maxConnections || !this.server) {
      this.opts.logger.warn({ max: this.opts.maxConnections }, 'kafka connection refused: too many connections');
      socket.destroy();
      return;
    }
    const conn = new KafkaConnection({
      id: this.nextId++,
      socket,
      services: this.opts.services,
      limits: this.opts.limits,
      advertised: this.advertised,
      readAheadBudget: this.readAheadBudget,
      logger: this.opts.logger,
      onClose: (c) => this.connections.delete(c),
    });
    this.connections.add(conn);
  }
}
