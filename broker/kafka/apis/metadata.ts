/**
 * Metadata: the one broker (this listener's advertised address), and per topic its partitions,
 * all led by this node (at the partition's leader epoch) with itself as the only replica. v0 asks for all topics
 * with an empty list, v1+ with null. Topics are not created on demand: an unknown one gets
 * UNKNOWN_TOPIC_OR_PARTITION, as on a Kafka broker with auto.create.topics.enable=false.
 */
import { StorageError, TopicAuthorizationFailedError, UnknownTopicError } from '../../../proto/errors.js';
import { mayDescribeTopic } from '../../security/request-authorization.js';
import { validateTopicName } from '../../topics/topic-name.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

/** Strata has no cluster id of its own yet; a constant one lets clients compare it. */
export const CLUSTER_ID = 'strata';

export const handleMetadata: KafkaHandler<'metadata'> = async (ctx, req) => {
  const { topics, config } = ctx.services;
  const nodeId = config.nodeId;
  const asked = req.body.topics;
  const all = asked === null || (req.apiVersion === 0 && asked.length === 0);
  // All topics: only those the caller may describe. Named ones it may not: refused, with the
  // same error whether or not they exist (no existence leak).
  const names = all ? topics.listTopics().filter((n) => mayDescribeTopic(ctx.request, n)) : asked.map((t) => t.name ?? '');
  return {
    brokers: [{ nodeId, host: ctx.advertised.host, port: ctx.advertised.port, rack: null }],
    clusterId: CLUSTER_ID,
    controllerId: nodeId,
    topics: names.map((name) => {
      try {
        if (!mayDescribeTopic(ctx.request, name)) throw new TopicAuthorizationFailedError(`not authorized to describe topic ${name}`);
        validateTopicName(name);
        const topic = topics.getTopic(name);
        if (!topic) throw new UnknownTopicError(`unknown topic ${name}`);
        return {
          errorCode: KafkaError.NONE,
          name,
          isInternal: false,
          partitions: topic.partitions.filter((p) => p !== undefined).map((p) => ({
            errorCode: p.healthy ? KafkaError.NONE : kafkaErrorCode(new StorageError()),
            partitionIndex: p.index,
            leaderId: nodeId,
            leaderEpoch: p.leaderEpoch,
            replicaNodes: [nodeId],
            isrNodes: [nodeId],
            offlineReplicas: [],
          })),
        };
      } catch (err) {
        return { errorCode: kafkaErrorCode(err), name, partitions: [] };
      }
    }),
  };
};
