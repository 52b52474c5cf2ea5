/** WebSocket codecs of the handshake and the topic APIs (ApiVersions, Create/Delete/ListTopics, Metadata). */
import type { strata } from '../../../proto/gen/strata.js';
import { wireError, type WsApiCodec } from './api-codec.js';
import { topicConfigFromWire, topicConfigToWire } from './wire-shapes.js';

export const apiVersions: WsApiCodec<'apiVersions'> = {
  command: (b: strata.v1.ApiVersionsRequest) => ({ protocolVersion: b.protocolVersion ?? 0, clientSoftware: b.clientSoftware ?? '' }),
  response: (r) => r,
};

export const createTopics: WsApiCodec<'createTopics'> = {
  command: (b: strata.v1.CreateTopicsRequest) => ({
    topics: (b.topics ?? []).map((t) => ({
      name: t.name ?? '', partitions: t.partitions ?? 0, config: topicConfigFromWire(t.config),
      // 0 on the wire: the default.
      replicationFactor: t.replicationFactor || undefined, minInsyncReplicas: t.minInsyncReplicas || undefined,
    })),
  }),
  response: (r) => ({ topics: r.topics.map((t) => ({ name: t.name, error: wireError(t.error) })) }),
};

export const deleteTopics: WsApiCodec<'deleteTopics'> = {
  command: (b: strata.v1.DeleteTopicsRequest) => ({ names: b.names ?? [] }),
  response: (r) => ({ topics: r.topics.map((t) => ({ name: t.name, error: wireError(t.error) })) }),
};

export const listTopics: WsApiCodec<'listTopics'> = {
  command: () => ({}),
  response: (r) => r,
};

export const metadata: WsApiCodec<'metadata'> = {
  command: (b: strata.v1.MetadataRequest) => ({ topics: b.topics ?? null }),
  response: (r) => ({
    nodeId: r.nodeId,
    brokerUrl: r.brokerUrl,
    brokers: r.brokers,
    controllerId: r.controllerId,
    topics: r.topics.map((t) => t.error
      ? { name: t.name, error: wireError(t.error) }
      : {
        name: t.name,
        config: topicConfigToWire(t.config!),
        replicationFactor: t.replicationFactor,
        minInsyncReplicas: t.minInsyncReplicas,
        partitions: t.partitions.map((p) => ({
          partition: p.partition, error: wireError(p.error), logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset,
          sizeBytes: p.sizeBytes, segmentCount: p.segmentCount, leader: p.leader, leaderEpoch: p.leaderEpoch,
          replicas: p.replicas, isr: p.isr,
        })),
      }),
  }),
};
