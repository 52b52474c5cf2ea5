/**
 * A topic as the cluster knows it, at `topics/<name>`:
 *
 *   { "name": "orders", "partitions": 3, "replicationFactor": 3, "minInsyncReplicas": 2,
 *     "config": { "retentionMs": 86400000 }, "createdAtMs": 1700000000000,
 *     "assignment": [[1, 2, 3], [2, 3, 1], [3, 1, 2]] }
 *
 * `assignment[p]` is partition p's replica list, written once at creation; its first broker is
 * the partition's preferred leader. `config` holds only the overrides (topic-config.ts), as in
 * the single-node topics.json.
 */
import { CorruptLogError } from '../../proto/errors.js';
import { parseStoredOverrides, type TopicOverrides } from '../topics/topic-config.js';
import type { TopicInfo } from './cluster-metadata.js';
import { brokerListField, intField, parseJsonObject, stringField } from './cluster-json.js';
import { REPLICATION_FACTOR_MAX } from './constants.js';

export interface TopicRecord extends TopicInfo {
  readonly assignment: readonly (readonly number[])[];
}

export function serializeTopicRecord(t: TopicRecord): string {
  return JSON.stringify({
    name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, minInsyncReplicas: t.minInsyncReplicas,
    config: t.config, createdAtMs: t.createdAtMs, assignment: t.assignment,
  });
}

export function parseTopicRecord(text: string, key: string): TopicRecord {
  const doc = parseJsonObject(text, key);
  const name = stringField(doc, 'name', key);
  const partitions = intField(doc, 'partitions', key, 1);
  const replicationFactor = intField(doc, 'replicationFactor', key, 1, REPLICATION_FACTOR_MAX);
  const minInsyncReplicas = intField(doc, 'minInsyncReplicas', key, 1, replicationFactor);
  const createdAtMs = intField(doc, 'createdAtMs', key, 0);
  let config: TopicOverrides;
  try {
    config = parseStoredOverrides(doc.config, name);
  } catch (err) {
    throw new CorruptLogError(`etcd key ${key}: bad config`, { cause: err });
  }
  const raw = doc.assignment;
  if (!Array.isArray(raw) || raw.length !== partitions) throw new CorruptLogError(`etcd key ${key}: assignment must list ${partitions} partitions`);
  const assignment = raw.map((_, p) => {
    const replicas = brokerListField({ r: raw[p] }, 'r', `${key} partition ${p}`);
    if (replicas.length !== replicationFactor) throw new CorruptLogError(`etcd key ${key}: partition ${p} has ${replicas.length} replicas, not ${replicationFactor}`);
    return replicas;
  });
  return { name, partitions, replicationFactor, minInsyncReplicas, config, createdAtMs, assignment };
}
