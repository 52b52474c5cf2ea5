/**
 * A request-level failure in each Kafka API's own response layout: what the connection core
 * answers when a request is refused before or instead of its handler (the security hook
 * refuses it, the broker is stopping, the handler threw). Kafka has no generic error frame, so
 * the code goes where that API's client looks for it: the top-level error code, else every
 * item the request named (each partition, topic, group or resource), so that no item is left
 * without an answer.
 */
import type { KafkaApiName, KafkaRequest, KafkaRequestOf, KafkaResponseBody } from '../../../proto/kafka/index.js';

type ErrorBody<N extends KafkaApiName> = (req: KafkaRequestOf<N>, code: number, message: string) => KafkaResponseBody<N>;
type ErrorBodies = { readonly [N in KafkaApiName]?: ErrorBody<N> };

const ERROR_BODIES: ErrorBodies = {
  apiVersions: (_r, errorCode) => ({ errorCode, apiKeys: [] }),
  metadata: (r, errorCode) => ({ brokers: [], topics: (r.body.topics ?? []).map((t) => ({ errorCode, name: t.name ?? '', partitions: [] })) }),
  produce: (r, errorCode, errorMessage) => ({
    responses: r.body.topicData.map((t) => ({
      name: t.name, partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode, baseOffset: -1, errorMessage })),
    })),
  }),
  fetch: (r, errorCode) => ({
    errorCode,
    responses: r.body.topics.map((t) => ({
      topic: t.topic,
      // Empty records, not null: librdkafka 2.0.2 fails to parse a null (size -1) record set
      // ('invalid MessageSetSize -1') and never sees the error code.
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode, highWatermark: -1, abortedTransactions: null, records: Buffer.alloc(0) })),
    })),
  }),
  listOffsets: (r, errorCode) => ({
    topics: r.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  }),
  offsetForLeaderEpoch: (r, errorCode) => ({
    topics: r.body.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) })),
  }),
  findCoordinator: (r, errorCode, errorMessage) => ({
    errorCode, errorMessage, nodeId: -1, host: '', port: -1,
    coordinators: r.body.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage })),
  }),
  joinGroup: (r, errorCode) => ({ errorCode, generationId: -1, protocolName: '', leader: '', memberId: r.body.memberId, members: [] }),
  syncGroup: (_r, errorCode) => ({ errorCode, assignment: Buffer.alloc(0) }),
  heartbeat: (_r, errorCode) => ({ errorCode }),
  leaveGroup: (r, errorCode) => ({ errorCode, members: r.body.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode })) }),
  offsetCommit: (r, errorCode) => ({
    topics: r.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  }),
  offsetFetch: (r, errorCode) => ({
    errorCode,
    topics: (r.body.topics ?? []).map((t) => ({
      name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, metadata: '', errorCode })),
    })),
  }),
  listGroups: (_r, errorCode) => ({ errorCode, groups: [] }),
  describeGroups: (r, errorCode) => ({
    groups: r.body.groups.map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })),
  }),
  deleteGroups: (r, errorCode) => ({ results: r.body.groupsNames.map((groupId) => ({ groupId, errorCode })) }),
  initProducerId: (_r, errorCode) => ({ errorCode, producerId: -1, producerEpoch: -1 }),
  createTopics: (r, errorCode, errorMessage) => ({ topics: r.body.topics.map((t) => ({ name: t.name, errorCode, errorMessage })) }),
  deleteTopics: (r, errorCode, errorMessage) => ({
    responses: [...r.body.topicNames, ...r.body.topics.map((t) => t.name ?? '')].map((name) => ({ name, errorCode, errorMessage })),
  }),
  describeConfigs: (r, errorCode, errorMessage) => ({
    results: r.body.resources.map((x) => ({ errorCode, errorMessage, resourceType: x.resourceType, resourceName: x.resourceName, configs: [] })),
  }),
  alterConfigs: (r, errorCode, errorMessage) => ({
    responses: r.body.resources.map((x) => ({ errorCode, errorMessage, resourceType: x.resourceType, resourceName: x.resourceName })),
  }),
  incrementalAlterConfigs: (r, errorCode, errorMessage) => ({
    responses: r.body.resources.map((x) => ({ errorCode, errorMessage, resourceType: x.resourceType, resourceName: x.resourceName })),
  }),
  saslHandshake: (_r, errorCode) => ({ errorCode, mechanisms: [] }),
  saslAuthenticate: (_r, errorCode, errorMessage) => ({ errorCode, errorMessage, authBytes: Buffer.alloc(0) }),
};

/** The response body that carries `code` for `req`, or null for an API without one here. */
export function errorBodyOf(req: KafkaRequest, code: number, message: string): KafkaResponseBody<KafkaApiName> | null {
  const build = ERROR_BODIES[req.api] as ErrorBody<KafkaApiName> | undefined;
  return build ? build(req as never, code, message) : null;
}
