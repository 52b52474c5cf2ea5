/**
 * Cluster mode: the replicated `__consumer_offsets` topic, a topic in etcd like any other
 * (placed, replicated and failed over by the same code), holding every group's committed
 * offsets. The leader of a group's partition is that group's coordinator (broker/groups/).
 *
 * Who creates it: the controller, as soon as OFFSETS_TOPIC_REPLICATION_FACTOR brokers are live
 * (so a three-broker cluster gets RF 3 without waiting for a consumer), or the first
 * FindCoordinator in a smaller cluster (RF = every live broker). Both write the record only if
 * absent, so racing creators are harmless: the first record wins and nobody changes it after.
 *
 * Its config is fixed here, not by the user: compacted (the latest commit per key is what
 * counts), no time or size retention (that could drop a live offset), segments rolled by size
 * and age so the cleaner gets to them.
 */
import { OFFSETS_SEGMENT_BYTES, OFFSETS_SEGMENT_MS, OFFSETS_TOPIC, OFFSETS_TOPIC_REPLICATION_FACTOR } from '../groups/constants.js';
import type { TopicOverrides } from '../topics/topic-config.js';
import { defaultMinInsyncReplicas } from './cluster-metadata.js';
import type { ClusterKeys } from './cluster-keys.js';
import type { EtcdClient } from './etcd-client.js';
import type { ComparatorBuilder } from 'etcd3';
import { assignReplicas } from './placement.js';
import { serializeTopicRecord, type TopicRecord } from './topic-record.js';

export const OFFSETS_TOPIC_CONFIG: TopicOverrides = {
  cleanupPolicy: 'compact', retentionMs: -1, retentionBytes: -1, segmentBytes: OFFSETS_SEGMENT_BYTES, segmentMs: OFFSETS_SEGMENT_MS,
};

/** The record of a new offsets topic over `live` brokers (at least one), placed around `existing` topics (and over `racks`, when brokers have them). */
export function offsetsTopicRecord(
  partitions: number, live: readonly number[], existing: Iterable<readonly number[]>, nowMs: number, racks?: ReadonlyMap<number, string>,
): TopicRecord {
  const rf = Math.min(OFFSETS_TOPIC_REPLICATION_FACTOR, live.length);
  return {
    name: OFFSETS_TOPIC, partitions, replicationFactor: rf, minInsyncReplicas: defaultMinInsyncReplicas(rf),
    config: OFFSETS_TOPIC_CONFIG, createdAtMs: nowMs, assignment: assignReplicas(partitions, rf, live, existing, racks),
  };
}

/**
 * Writes the record if no offsets topic exists yet; `txn` is the transaction to extend (the
 * controller passes its fenced one). Resolves true when this call created it.
 */
export async function createOffsetsTopic(client: EtcdClient, keys: ClusterKeys, record: TopicRecord, txn?: ComparatorBuilder): Promise<boolean> {
  const key = keys.topic(OFFSETS_TOPIC);
  const guarded = txn ? txn.and(key, 'Create', '==', 0) : client.if(key, 'Create', '==', 0);
  const res = await guarded.then(client.put(key).value(serializeTopicRecord(record))).commit();
  return res.succeeded;
}
