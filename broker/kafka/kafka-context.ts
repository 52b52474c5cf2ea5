/**
 * What a Kafka API handler may use: the broker's services, the connection's identity (client id
 * from the request header, the peer address), the address clients should reach this listener at
 * (Metadata and FindCoordinator name it), and the signal that aborts parked work when the
 * connection closes or the broker stops.
 */
import type { Logger } from '../logger.js';
import type { PartitionReader } from '../server/fetch-reader.js';
import { type BrokerServices, type RequestContext } from '../server/request-context.js';

export interface KafkaAddress {
  readonly host: string;
  readonly port: number;
}

export interface KafkaContext {
  readonly services: BrokerServices;
  /** Where clients reach this listener: --kafka-advertise, else the bound address. */
  readonly advertised: KafkaAddress;
  readonly remote: string;
  readonly clientId: string;
  /** Who is asking: User:ANONYMOUS until a SASL login on this connection succeeds. */
  readonly principal: string;
  /** Aborted when the connection closes or the broker starts stopping. */
  readonly abort: AbortSignal;
  /** Aborted only when the connection closes. */
  readonly connectionClosed: AbortSignal;
  readonly logger: Logger;
  /** The connection's read-ahead (fetch-read-ahead.ts). */
  readonly fetchReader: PartitionReader;
}

/** The wire-neutral handlers' view of a Kafka request (broker/server/api/). */
export function requestContextOf(ctx: KafkaContext): RequestContext {
  return {
    services: ctx.services,
    principal: ctx.principal,
    clientId: ctx.clientId,
    listener: 'kafka',
    remoteAddress: ctx.remote,
    connectionClosed: ctx.connectionClosed,
    connectionOrBrokerEnding: ctx.abort,
    logger: ctx.logger,
    fetchReader: ctx.fetchReader,
  };
}
