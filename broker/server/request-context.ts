/**
 * What a request handler may use. `BrokerServices` is shared by every connection of every
 * listener; `RequestContext` adds the connection's identity and the signals that parked work
 * (long-poll fetches, produce acks, group joins) must listen to, so nothing outlives its socket.
 *
 * The context is one object per connection (the connection core owns it). `principal` may change
 * during the connection's life (a SASL exchange authenticates it); handlers read it per request.
 */
import type { SubscriptionSet } from './subscription-set.js';
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { BrokerConfig } from '../config.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import type { Logger } from '../logger.js';
import type { ProducerIdAllocator } from '../partition/producer-ids.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import type { PartitionReader } from './fetch-reader.js';
import type { TrafficObserver } from './hooks.js';
import type { TrafficTotals } from './traffic-totals.js';
import type { BrokerSecurity } from '../security/broker-security.js';
import type { TopicManager } from '../topics/topic-manager.js';

export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly topics: TopicManager;
  /**
   * Brokers, topics and who leads each partition at which epoch (single node: this broker leads
   * everything). The local replicas' data stays in `topics`.
   */
  readonly cluster: ClusterMetadata;
  readonly producerIds: ProducerIdAllocator;
  /**
   * Cluster mode: this broker's replicas (who leads what, acks=all through the ISR, followers'
   * fetches). null for a broker alone, whose partitions in `topics` are all its to lead.
   */
  readonly replicas: ReplicaManager | null;
  /** Consumer groups and committed offsets. */
  readonly groups: GroupCoordinator;
  /** Logger with { component: 'server' }. */
  readonly logger: Logger;
  /** The ws:// URL clients reach this broker at (known once listening). */
  brokerUrl(): string;
  /** Aborted when Broker.stop() begins: parked fetches answer now with what they have. */
  readonly stopping: AbortSignal;
  /** Records and bytes per topic for the metrics; absent when metrics are off. */
  readonly traffic?: TrafficObserver | undefined;
  /** Credentials, ACLs, quotas and the authorizer; absent (tests, embedding): no security at all. */
  readonly security?: BrokerSecurity | undefined;
  /** Records and bytes in/out since start (BrokerStats); absent: reported as 0. */
  readonly totals?: TrafficTotals | undefined;
  /** Version, start time, listeners and connections of the broker process (BrokerStats). */
  readonly brokerInfo?: (() => BrokerProcessInfo) | undefined;
}

/** What BrokerStats reports of the broker process itself. */
export interface BrokerProcessInfo {
  readonly version: string;
  readonly startedAtMs: number;
  /** Listener name (ws, kafka) to its address. */
  readonly listeners: Record<string, string>;
  /** Open connections over all listeners. */
  readonly connections: number;
}

/** Which listener a connection came in on. */
export type ListenerName = 'ws' | 'kafka';

/** Kafka's name for the principal of an unauthenticated connection, the only one until security lands. */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/**
 * What a login exchange (SASL on either listener) may change about its connection. One per
 * connection, owned by the connection core.
 */
export interface ConnectionSession {
  /** Whether the connection runs over TLS (SASL PLAIN is offered only then). */
  readonly tls: boolean;
  /** The login state machine of this connection, while an exchange runs; the security layer's business. */
  login: unknown;
  /** The exchange succeeded: later requests on this connection run as `principal`. */
  authenticated(principal: string): void;
  /** Close the connection once this request's answer has been sent, and read nothing more (a failed login). */
  closeAfterAnswer(message: string): void;
}

export interface RequestContext {
  readonly services: BrokerServices;
  /** Who is asking, as `Type:name` (Kafka's KafkaPrincipal form). @default 'User:ANONYMOUS' */
  readonly principal: string;
  /** The client's own name for itself (Kafka's client.id, the SDK's clientSoftware); '' until it says. */
  readonly clientId: string;
  readonly listener: ListenerName;
  /** `host:port` of the peer. */
  readonly remoteAddress: string;
  /** Aborted when the connection closes: drop parked work, the answer has nowhere to go. */
  readonly connectionClosed: AbortSignal;
  /** Aborted when the connection closes or the broker starts stopping (parked work answers or ends now). */
  readonly connectionOrBrokerEnding: AbortSignal;
  /** Logger bound to this connection. */
  readonly logger: Logger;
  /**
   * How this connection's fetches read partitions; absent: straight from the partition. The
   * Kafka listener reads ahead here, since Kafka clients keep one fetch in flight (broker/kafka/fetch-read-ahead.ts).
   */
  readonly fetchReader?: PartitionReader | undefined;
  /** The connection's login state; absent outside a connection core (unit tests of handlers). */
  readonly session?: ConnectionSession | undefined;
  /** The connection's push subscriptions; absent where the protocol has no push (the Kafka listener). */
  readonly subscriptions?: SubscriptionSet | undefined;
}

/** Returned by a handler that must not answer (produce with acks=none, a fetch whose connection closed). */
export const NO_RESPONSE = Symbol('no response');
export type NoResponse = typeof NO_RESPONSE;
