/**
 * Where Kafka clients reach each broker: the answer Metadata gives for the broker list and
 * FindCoordinator for a coordinator.
 *
 * Every broker registers its Kafka listener's advertised address (`--kafka-advertise`, else the
 * bound address) as its `kafka` endpoint, `host:port`, in its BrokerInfo (etcd in a cluster;
 * broker/broker.ts endpoints()). This broker itself is named by the listener that serves the
 * request, so a broker alone answers exactly as before clusters existed. A live broker without
 * a Kafka listener (`--kafka-listen off`) has no address here: Kafka clients cannot reach it.
 */
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { KafkaAddress } from './kafka-context.js';

/** A broker as Kafka's Metadata names it. */
export interface KafkaBroker extends KafkaAddress {
  readonly nodeId: number;
  /** Its rack (`--rack`), when it has one: Metadata's `rack` field. */
  readonly rack?: string;
}

/** The listener answering: its node id and the address it advertises. */
export interface KafkaSelf {
  readonly nodeId: number;
  readonly advertised: KafkaAddress;
}

/** `host:port` (an IPv6 host bare or in brackets) into its parts; null when it is not one. */
export function parseKafkaEndpoint(endpoint: string): KafkaAddress | null {
  const colon = endpoint.lastIndexOf(':');
  if (colon <= 0) return null;
  let host = endpoint.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(endpoint.slice(colon + 1));
  if (host.length === 0 || !Number.isInteger(port) || port < 1 || port > 65_535) return null;
  return { host, port };
}

/** Every live broker reachable over Kafka, by node id; this broker always among them. */
export function kafkaBrokers(cluster: ClusterMetadata, self: KafkaSelf): KafkaBroker[] {
  const selfRack = cluster.brokers().find((b) => b.id === self.nodeId)?.rack;
  const out: KafkaBroker[] = [{ nodeId: self.nodeId, ...self.advertised, ...(selfRack !== undefined ? { rack: selfRack } : {}) }];
  for (const b of cluster.brokers()) {
    if (b.id === self.nodeId) continue;
    const endpoint = b.endpoints.kafka;
    const address = endpoint === undefined ? null : parseKafkaEndpoint(endpoint);
    if (address) out.push({ nodeId: b.id, ...address, ...(b.rack !== undefined ? { rack: b.rack } : {}) });
  }
  return out.sort((a, b) => a.nodeId - b.nodeId);
}

/** The Kafka address of live broker `nodeId`, or undefined when it is not live or has no Kafka listener. */
export function kafkaAddressOf(cluster: ClusterMetadata, nodeId: number, self: KafkaSelf): KafkaAddress | undefined {
  if (nodeId === self.nodeId) return self.advertised;
  const endpoint = cluster.brokers().find((b) => b.id === nodeId)?.endpoints.kafka;
  return endpoint === undefined ? undefined : parseKafkaEndpoint(endpoint) ?? undefined;
}
