/** WebSocket codecs of the cluster APIs clients route with (FindCoordinator, ClusterInfo). */
import type { strata } from '../../../proto/gen/strata.js';
import { wireError, type WsApiCodec } from './api-codec.js';

export const findCoordinator: WsApiCodec<'findCoordinator'> = {
  command: (b: strata.v1.FindCoordinatorRequest) => ({ groupId: b.groupId ?? '' }),
  response: (r) => ({ nodeId: r.nodeId, url: r.url }),
};

export const clusterInfo: WsApiCodec<'clusterInfo'> = {
  command: (b: strata.v1.ClusterInfoRequest) => ({ topics: b.topics ?? null }),
  response: (r) => ({
    nodeId: r.nodeId,
    mode: r.mode,
    controllerId: r.controllerId,
    brokers: r.brokers,
    topics: r.topics.map((t) => ({
      name: t.name,
      error: wireError(t.error),
      replicationFactor: t.replicationFactor,
      minInsyncReplicas: t.minInsyncReplicas,
      partitions: t.partitions.map((p) => ({ ...p, error: wireError(p.error) })),
    })),
  }),
};
