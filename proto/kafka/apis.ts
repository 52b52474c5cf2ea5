/**
 * The table of Kafka APIs this codec knows, by key. ApiVersions answers are built from it, and
 * the request decoder refuses any key or version outside it, so what the broker advertises and
 * what it can read cannot drift apart.
 */
import { alterConfigs } from './messages/alter-configs.js';
import { apiVersions } from './messages/api-versions.js';
import { createPartitions } from './messages/create-partitions.js';
import { createTopics } from './messages/create-topics.js';
import { deleteGroups } from './messages/delete-groups.js';
import { deleteTopics } from './messages/delete-topics.js';
import { describeConfigs } from './messages/describe-configs.js';
import { describeGroups } from './messages/describe-groups.js';
import { fetch } from './messages/fetch.js';
import { findCoordinator } from './messages/find-coordinator.js';
import { heartbeat } from './messages/heartbeat.js';
import { incrementalAlterConfigs } from './messages/incremental-alter-configs.js';
import { initProducerId } from './messages/init-producer-id.js';
import { joinGroup } from './messages/join-group.js';
import { leaveGroup } from './messages/leave-group.js';
import { listGroups } from './messages/list-groups.js';
import { listOffsets } from './messages/list-offsets.js';
import { metadata } from './messages/metadata.js';
import { offsetCommit } from './messages/offset-commit.js';
import { offsetFetch } from './messages/offset-fetch.js';
import { offsetForLeaderEpoch } from './messages/offset-for-leader-epoch.js';
import { produce } from './messages/produce.js';
import { saslAuthenticate } from './messages/sasl-authenticate.js';
import { saslHandshake } from './messages/sasl-handshake.js';
import { syncGroup } from './messages/sync-group.js';
import type { ApiSchema } from './schema.js';

export const KafkaApis = {
  produce, fetch, listOffsets, metadata, offsetCommit, offsetFetch, findCoordinator, joinGroup,
  heartbeat, leaveGroup, syncGroup, describeGroups, listGroups, saslHandshake, apiVersions,
  createTopics, deleteTopics, initProducerId, offsetForLeaderEpoch, describeConfigs,
  saslAuthenticate, createPartitions, deleteGroups, alterConfigs, incrementalAlterConfigs,
} as const;

export type KafkaApiName = keyof typeof KafkaApis;

const byKey = new Map<number, ApiSchema>();
const nameByKey = new Map<number, KafkaApiName>();
for (const [name, api] of Object.entries(KafkaApis) as Array<[KafkaApiName, ApiSchema]>) {
  if (byKey.has(api.key)) throw new Error(`API key ${api.key} listed twice`);
  byKey.set(api.key, api);
  nameByKey.set(api.key, name);
}

export function apiByKey(key: number): ApiSchema | undefined {
  return byKey.get(key);
}

export function apiNameByKey(key: number): KafkaApiName | undefined {
  return nameByKey.get(key);
}

export function isFlexible(api: ApiSchema, version: number): boolean {
  return version >= api.flexibleFrom;
}

export function supportsVersion(api: ApiSchema, version: number): boolean {
  return version >= api.versions.min && version <= api.versions.max;
}
