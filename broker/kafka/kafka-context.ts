/**
 * What a Kafka API handler may use: the broker's services, the connection's identity (client id
 * from the request header, the peer address, the principal), the address clients should reach
 * this listener at (Metadata and FindCoordinator name it), and the signal that aborts parked
 * work when the connection closes or the broker stops. Built per request from the connection
 * core's RequestContext, which stays reachable as `request` for the wire-neutral handlers.
 */
import type { Logger } from '../logger.js';
import type { PartitionReader } from '../server/fetch-reader.js';
import type { BrokerServices, RequestContext } from '../server/request-context.js';

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
  /** The connection's read-ahead (fetch-read-ahead.ts), when it has one. */
  readonly fetchReader: PartitionReader | undefined;
  /** The connection core's context of this request (principal included). */
  readonly request: RequestContext;
}

export function kafkaContextOf(ctx: RequestContext, advertised: KafkaAddress): KafkaContext {
  return {
    services: ctx.services,
    advertised,
    remote: ctx.remoteAddress,
    clientId: ctx.clientId,
    principal: ctx.principal,
    abort: ctx.connectionOrBrokerEnding,
    connectionClosed: ctx.connectionClosed,
    logger: ctx.logger,
    fetchReader: ctx.fetchReader,
    request: ctx,
  };
}
