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

/** Int64 fields arrive as numbers (--force-number); a missing one is 0 in proto3. */
const num = (v: number | null | undefined): number => Number(v ?? 0);

export const replicaFetch: WsApiCodec<'replicaFetch'> = {
  command: (b: strata.v1.ReplicaFetchRequest) => ({
    topic: b.topic ?? '', partition: b.partition ?? 0, followerId: b.followerId ?? 0, leaderEpoch: b.leaderEpoch ?? 0,
    fetchOffset: num(b.fetchOffset), ackedEndOffset: num(b.ackedEndOffset), maxBytes: b.maxBytes ?? 0, maxWaitMs: b.maxWaitMs ?? 0,
  }),
  response: (r) => ({ records: r.records, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, logEndOffset: r.logEndOffset }),
};

export const offsetsForLeaderEpoch: WsApiCodec<'offsetsForLeaderEpoch'> = {
  command: (b: strata.v1.OffsetsForLeaderEpochRequest) => ({
    topic: b.topic ?? '', partition: b.partition ?? 0, leaderEpoch: b.leaderEpoch ?? 0, epoch: b.epoch ?? 0,
  }),
  response: (r) => ({ epoch: r.epoch, endOffset: r.endOffset, logStartOffset: r.logStartOffset, logEndOffset: r.logEndOffset }),
};
