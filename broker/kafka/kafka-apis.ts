/**
 * The Kafka APIs this listener serves: one handler per API (apis/), keyed like the codec's table
 * (proto/kafka/apis.ts). ApiVersions advertises exactly these, at the versions the codec serves,
 * so an API without a handler is never advertised, and a request for it gets UNSUPPORTED_VERSION.
 */
import { KafkaApis, type KafkaApiName, type KafkaRequest, type KafkaResponseBody } from '../../proto/kafka/index.js';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './apis/alter-configs.js';
import { apiVersionsHandler } from './apis/api-versions.js';
import { handleCreateTopics } from './apis/create-topics.js';
import { handleDeleteGroups } from './apis/delete-groups.js';
import { handleDeleteTopics } from './apis/delete-topics.js';
import { handleDescribeConfigs } from './apis/describe-configs.js';
import { handleDescribeGroups } from './apis/describe-groups.js';
import { handleFetch } from './apis/fetch.js';
import { handleFindCoordinator } from './apis/find-coordinator.js';
import { handleHeartbeat } from './apis/heartbeat.js';
import { handleInitProducerId } from './apis/init-producer-id.js';
import { handleJoinGroup } from './apis/join-group.js';
import { handleLeaveGroup } from './apis/leave-group.js';
import { handleListGroups } from './apis/list-groups.js';
import { handleListOffsets } from './apis/list-offsets.js';
import { handleMetadata } from './apis/metadata.js';
import { handleOffsetCommit } from './apis/offset-commit.js';
import { handleOffsetFetch } from './apis/offset-fetch.js';
import { handleOffsetForLeaderEpoch } from './apis/offset-for-leader-epoch.js';
import { handleProduce } from './apis/produce.js';
import { handleSaslAuthenticate, handleSaslHandshake } from './apis/sasl.js';
import { handleSyncGroup } from './apis/sync-group.js';
import { NO_RESPONSE, type KafkaHandler } from './apis/types.js';
import type { KafkaContext } from './kafka-context.js';

type HandlerTable = { readonly [N in KafkaApiName]?: KafkaHandler<N> };

const HANDLERS: HandlerTable = {
  apiVersions: apiVersionsHandler(() => servedApiKeys()),
  metadata: handleMetadata,
  produce: handleProduce,
  fetch: handleFetch,
  listOffsets: handleListOffsets,
  offsetForLeaderEpoch: handleOffsetForLeaderEpoch,
  findCoordinator: handleFindCoordinator,
  joinGroup: handleJoinGroup,
  syncGroup: handleSyncGroup,
  heartbeat: handleHeartbeat,
  leaveGroup: handleLeaveGroup,
  offsetCommit: handleOffsetCommit,
  offsetFetch: handleOffsetFetch,
  listGroups: handleListGroups,
  describeGroups: handleDescribeGroups,
  deleteGroups: handleDeleteGroups,
  initProducerId: handleInitProducerId,
  createTopics: handleCreateTopics,
  deleteTopics: handleDeleteTopics,
  describeConfigs: handleDescribeConfigs,
  alterConfigs: handleAlterConfigs,
  incrementalAlterConfigs: handleIncrementalAlterConfigs,
  saslHandshake: handleSaslHandshake,
  saslAuthenticate: handleSaslAuthenticate,
};

let served: KafkaResponseBody<'apiVersions'>['apiKeys'] | null = null;

/** ApiVersions' list: every API with a handler, at the versions the codec serves, by key. */
export function servedApiKeys(): KafkaResponseBody<'apiVersions'>['apiKeys'] {
  served ??= (Object.keys(HANDLERS) as KafkaApiName[])
    .map((name) => KafkaApis[name])
    .map((api) => ({ apiKey: api.key, minVersion: api.versions.min, maxVersion: api.versions.max }))
    .sort((a, b) => a.apiKey - b.apiKey);
  return served;
}

export function isServed(name: KafkaApiName): boolean {
  return HANDLERS[name] !== undefined;
}

/** Runs the request's handler; undefined when the API has none (the caller answers UNSUPPORTED_VERSION). */
export function dispatch(ctx: KafkaContext, req: KafkaRequest): Promise<unknown> | undefined {
  const handler = HANDLERS[req.api] as KafkaHandler<KafkaApiName> | undefined;
  return handler?.(ctx, req as never);
}

export { NO_RESPONSE };
