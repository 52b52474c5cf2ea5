/**
 * Metadata: the shared Metadata command's answer (broker/server/api/metadata.ts: topics,
 * partition states, authorization) in Kafka's terms, with every live broker's Kafka address
 * (kafka-addresses.ts) instead of the WebSocket URLs.
 *
 * A broker alone names itself, leading every partition with itself as the only replica. In a
 * cluster each partition carries its leader, leader epoch, replicas, ISR, and (v5+) the
 * replicas on brokers that are not live or not reachable over Kafka as offline. A partition
 * whose leader is not reachable (none elected yet, or the leader has no Kafka listener) gets
 * LEADER_NOT_AVAILABLE and leader -1, as Kafka answers, so clients wait and ask again instead
 * of connecting to a broker they cannot reach.
 *
 * v0 asks for all topics with an empty list, v1+ with null (an empty list: none). Topics are
 * not created on demand: an unknown one gets UNKNOWN_TOPIC_OR_PARTITION, as on a Kafka broker
 * with auto.create.topics.enable=false.
 */
import { OFFSETS_TOPIC } from '../../groups/constants.js';
import { handleMetadata as sharedMetadata } from '../../server/api/metadata.js';
import { kafkaBrokers } from '../kafka-addresses.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

/** Strata has no cluster id of its own yet; a constant one lets clients compare it. */
export const CLUSTER_ID = 'strata';

const NO_LEADER = -1;

export const handleMetadata: KafkaHandler<'metadata'> = async (ctx, req) => {
  const { cluster, config } = ctx.services;
  const asked = req.body.topics;
  const all = asked === null || (req.apiVersion === 0 && asked.length === 0);
  const brokers = kafkaBrokers(cluster, { nodeId: config.nodeId, advertised: ctx.advertised });
  const reachable = new Set(brokers.map((b) => b.nodeId));
  // v1+ with an empty list asks for no topic: the shared command would read it as all.
  const topics = !all && asked.length === 0 ? [] : (await sharedMetadata(ctx.request, { topics: all ? null : asked.map((t) => t.name ?? '') })).topics;
  return {
    brokers: brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null })),
    clusterId: CLUSTER_ID,
    controllerId: cluster.controllerId() ?? -1,
    topics: topics.map((t) => {
      if (t.error) return { errorCode: kafkaErrorCode(t.error), name: t.name, partitions: [] };
      return {
        errorCode: KafkaError.NONE,
        name: t.name,
        isInternal: t.name === OFFSETS_TOPIC,
        partitions: t.partitions.map((p) => {
          const led = p.leader !== NO_LEADER && reachable.has(p.leader);
          const errorCode = p.error ? kafkaErrorCode(p.error) : led ? KafkaError.NONE : KafkaError.LEADER_NOT_AVAILABLE;
          return {
            errorCode,
            partitionIndex: p.partition,
            leaderId: led ? p.leader : NO_LEADER,
            leaderEpoch: p.leaderEpoch,
            replicaNodes: [...p.replicas],
            isrNodes: [...p.isr],
            offlineReplicas: p.replicas.filter((id) => !reachable.has(id)),
          };
        }),
      };
    }),
  };
};
