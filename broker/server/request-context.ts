/**
 * What a request handler may use. `BrokerServices` is shared by every connection;
 * `RequestContext` adds the per-connection signal that parked work (long-poll fetches,
 * produce timeouts) must listen to so nothing outlives its socket.
 */
import type { BrokerConfig } from '../config.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import type { Logger } from '../logger.js';
import type { ProducerIdAllocator } from '../topics/producer-ids.js';
import type { TopicManager } from '../topics/topic-manager.js';

export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly topics: TopicManager;
  readonly producerIds: ProducerIdAllocator;
  /** Consumer groups and committed offsets. */
  readonly groups: GroupCoordinator;
  /** Logger with { component: 'server' }. */
  readonly logger: Logger;
  /** The ws:// URL clients reach this broker at (known once listening). */
  brokerUrl(): string;
  /** Aborted when Broker.stop() begins: parked fetches answer now with what they have. */
  readonly stopping: AbortSignal;
}

export interface RequestContext {
  readonly services: BrokerServices;
  /** Aborted when the connection closes: drop parked work, the answer has nowhere to go. */
  readonly connectionClosed: AbortSignal;
  /** Logger bound to this connection. */
  readonly logger: Logger;
}

/** Returned by a handler that must not answer (produce with acks=NONE). */
export const NO_RESPONSE = Symbol('no response');
export type NoResponse = typeof NO_RESPONSE;
