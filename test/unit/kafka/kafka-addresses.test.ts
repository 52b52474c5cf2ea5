/**
 * The Kafka address lookup Metadata and FindCoordinator answer with: registered `kafka`
 * endpoints parsed (IPv4, names, IPv6 bare or bracketed), brokers without one left out, garbage
 * refused, and the answering listener always naming itself by its own advertised address.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerInfo, ClusterMetadata } from '../../../broker/cluster/cluster-metadata.js';
import { kafkaAddressOf, kafkaBrokers, parseKafkaEndpoint } from '../../../broker/kafka/kafka-addresses.js';

/** Only brokers() is read by the lookup; the rest of the interface is not reached. */
function clusterOf(brokers: BrokerInfo[]): ClusterMetadata {
  return { brokers: () => brokers } as unknown as ClusterMetadata;
}

const broker = (id: number, kafka?: string): BrokerInfo => ({
  id, startedAtMs: 0, endpoints: { ws: `ws://127.0.0.1:${7000 + id}`, ...(kafka === undefined ? {} : { kafka }) },
});

describe('parseKafkaEndpoint', () => {
  it.each([
    ['127.0.0.1:9092', { host: '127.0.0.1', port: 9092 }],
    ['kafka-1.internal:19092', { host: 'kafka-1.internal', port: 19092 }],
    ['::1:9092', { host: '::1', port: 9092 }],
    ['[fe80::1]:9093', { host: 'fe80::1', port: 9093 }],
  ])('%s', (endpoint, address) => {
    expect(parseKafkaEndpoint(endpoint)).toEqual(address);
  });

  it.each(['', '9092', ':9092', 'host:', 'host:0', 'host:65536', 'host:90x2', 'host:-1', '[]:9092'])('refuses %j', (endpoint) => {
    expect(parseKafkaEndpoint(endpoint)).toBeNull();
  });
});

describe('kafkaBrokers / kafkaAddressOf', () => {
  const self = { nodeId: 2, advertised: { host: 'public.example', port: 9094 } };
  const cluster = clusterOf([broker(3, '127.0.0.1:9093'), broker(1, '127.0.0.1:9091'), broker(2, '127.0.0.1:9999'), broker(4), broker(5, 'nonsense')]);

  it('lists brokers with a Kafka listener by id, the answering one by its own advertised address', () => {
    expect(kafkaBrokers(cluster, self)).toEqual([
      { nodeId: 1, host: '127.0.0.1', port: 9091 },
      { nodeId: 2, host: 'public.example', port: 9094 },
      { nodeId: 3, host: '127.0.0.1', port: 9093 },
    ]);
  });

  it('names itself even before its own registration is seen', () => {
    expect(kafkaBrokers(clusterOf([]), self)).toEqual([{ nodeId: 2, host: 'public.example', port: 9094 }]);
  });

  it('finds one broker, and nothing for one without a (valid) Kafka listener or not live', () => {
    expect(kafkaAddressOf(cluster, 3, self)).toEqual({ host: '127.0.0.1', port: 9093 });
    expect(kafkaAddressOf(cluster, 2, self)).toEqual(self.advertised);
    expect(kafkaAddressOf(cluster, 4, self)).toBeUndefined();
    expect(kafkaAddressOf(cluster, 5, self)).toBeUndefined();
    expect(kafkaAddressOf(cluster, 9, self)).toBeUndefined();
  });
});
