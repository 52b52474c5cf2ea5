/**
 * The Kafka APIs this listener serves, and the handler each runs. The APIs of SHARED_MAPPINGS run
 * the wire-neutral handlers of the API table (broker/server/api-table.ts), the WebSocket
 * protocol's own: the codec maps their requests onto the shared commands (codec/). The other
 * APIs run the Kafka handlers of apis/, one per API, which take the decoded Kafka request and
 * return the Kafka response body (group, topic and cluster state through the broker services),
 * because no shared command says what they ask (Kafka-only APIs, leader epochs in ListOffsets,
 * per-member LeaveGroup, Kafka's consumer protocol in JoinGroup/SyncGroup).
 *
 * ApiVersions advertises exactly these, at the versions the codec serves (proto/kafka/apis.ts),
 * so an API without a handler is never advertised, and a request for it gets UNSUPPORTED_VERSION.
 */
import assert from 'node:assert/strict';
import { KafkaApis, type KafkaApiName, type KafkaRequest, type KafkaResponseBody } from '../../proto/kafka/index.js';
import { handlerOf, type ApiHandler, type ApiName } from '../server/api-table.js';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './apis/alter-configs.js';
import { apiVersionsHandler } from './apis/api-versions.js';
import { handleCreateTopics } from './apis/create-topics.js';
import { handleDescribeConfigs } from './apis/describe-configs.js';
import { handleDescribeGroups } from './apis/describe-groups.js';
import { handleFindCoordinator } from './apis/find-coordinator.js';
import { handleInitProducerId } from './apis/init-producer-id.js';
import { handleJoinGroup } from './apis/join-group.js';
import { handleLeaveGroup } from './apis/leave-group.js';
import { handleListGroups } from './apis/list-groups.js';
import { handleListOffsets } from './apis/list-offsets.js';
import { handleMetadata } from './apis/metadata.js';
import { handleOffsetCommit } from './apis/offset-commit.js';
import { handleOffsetFetch } from './apis/offset-fetch.js';
import { handleOffsetForLeaderEpoch } from './apis/offset-for-leader-epoch.js';
import { handleSaslAuthenticate, handleSaslHandshake } from './apis/sasl.js';
import { handleSyncGroup } from './apis/sync-group.js';
import type { KafkaHandler } from './apis/types.js';
import * as groupTopicApis from './codec/group-topic-apis.js';
import * as recordApis from './codec/record-apis.js';
import type { SharedMappings } from './codec/shared-mapping.js';
import { kafkaContextOf, type KafkaAddress } from './kafka-context.js';

type HandlerTable = { readonly [N in KafkaApiName]?: KafkaHandler<N> };

/** Kafka APIs whose requests the codec maps onto a command of the shared API table. */
export const SHARED_MAPPINGS: SharedMappings = {
  produce: recordApis.produce,
  fetch: recordApis.fetch,
  heartbeat: groupTopicApis.heartbeat,
  deleteTopics: groupTopicApis.deleteTopics,
  deleteGroups: groupTopicApis.deleteGroups,
};

const SHARED_APIS: readonly KafkaApiName[] = Object.keys(SHARED_MAPPINGS) as KafkaApiName[];

const HANDLERS: HandlerTable = {
  apiVersions: apiVersionsHandler(() => servedApiKeys()),
  metadata: handleMetadata,
  listOffsets: handleListOffsets,
  offsetForLeaderEpoch: handleOffsetForLeaderEpoch,
  findCoordinator: handleFindCoordinator,
  joinGroup: handleJoinGroup,
  syncGroup: handleSyncGroup,
  leaveGroup: handleLeaveGroup,
  offsetCommit: handleOffsetCommit,
  offsetFetch: handleOffsetFetch,
  listGroups: handleListGroups,
  describeGroups: handleDescribeGroups,
  initProducerId: handleInitProducerId,
  createTopics: handleCreateTopics,
  describeConfigs: handleDescribeConfigs,
  alterConfigs: handleAlterConfigs,
  incrementalAlterConfigs: handleIncrementalAlterConfigs,
  saslHandshake: handleSaslHandshake,
  saslAuthenticate: handleSaslAuthenticate,
};

let served: KafkaResponseBody<'apiVersions'>['apiKeys'] | null = null;

/** ApiVersions' list: every API with a handler, at the versions the codec serves, by key. */
export function servedApiKeys(): KafkaResponseBody<'apiVersions'>['apiKeys'] {
  served ??= [...SHARED_APIS, ...(Object.keys(HANDLERS) as KafkaApiName[])]
    .map((name) => KafkaApis[name])
    .map((api) => ({ apiKey: api.key, minVersion: api.versions.min, maxVersion: api.versions.max }))
    .sort((a, b) => a.apiKey - b.apiKey);
  return served;
}

export function isServed(name: KafkaApiName): boolean {
  return SHARED_MAPPINGS[name] !== undefined || HANDLERS[name] !== undefined;
}

/**
 * The connection core's handler lookup for one Kafka listener: shared APIs resolve to the API
 * table, the rest to the Kafka handlers, which also learn where clients reach the listener.
 */
export function kafkaHandlerLookup(advertised: () => KafkaAddress): (api: string) => ApiHandler<ApiName> | undefined {
  const wrapped = new Map<string, ApiHandler<ApiName>>();
  for (const mapping of Object.values(SHARED_MAPPINGS)) wrapped.set(mapping.shared, handlerOf(mapping.shared));
  for (const [name, handler] of Object.entries(HANDLERS) as Array<[KafkaApiName, KafkaHandler<KafkaApiName>]>) {
    // A name both shared and Kafka-only would run the wrong handler for one of them.
    assert(!wrapped.has(name), `Kafka API ${name} has a Kafka handler and a shared mapping`);
    const run: ApiHandler<ApiName> = (ctx, command) => handler(kafkaContextOf(ctx, advertised()), command as unknown as KafkaRequest as never) as never;
    wrapped.set(name, run);
  }
  return (api) => wrapped.get(api);
}
