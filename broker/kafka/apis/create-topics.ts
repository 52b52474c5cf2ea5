/**
 * CreateTopics through ClusterMetadata.createTopic, the path every listener's topic creation
 * takes: a broker alone creates the topic in its topics.json (replication factor 1 only); in a
 * cluster the topic goes to etcd, its replicas placed over the live brokers (or where the
 * request's manual assignment puts them), and the call returns once every partition has a leader.
 *
 * Kafka's fields: partition count and replication factor -1 mean the broker's defaults (one
 * partition, one replica); a replication factor above the live brokers is
 * INVALID_REPLICATION_FACTOR. With a manual assignment both must be -1 (as Kafka requires), and
 * the assignment gives them: one entry per partition 0..n-1, each naming the same number of
 * distinct live brokers, its first the preferred leader. Configs under Kafka's names
 * (topic-configs.ts); `min.insync.replicas` is the topic's min ISR (default min(2, R)).
 * validate_only checks everything and creates nothing.
 */
import { InvalidConfigError, InvalidReplicationFactorError, InvalidRequestError, TopicAlreadyExistsError } from '../../../proto/errors.js';
import { defaultMinInsyncReplicas } from '../../cluster/cluster-metadata.js';
import { checkSingleNodeReplication } from '../../cluster/single-node-metadata.js';
import { validateNewTopicName } from '../../topics/topic-name.js';
import { effectiveLogConfig } from '../../topics/topic-config.js';
import { kafkaErrorCode, kafkaErrorMessage, KafkaError } from '../kafka-errors.js';
import { describeTopicConfigs, overridesFromKafkaConfigs, withMinInsyncReplicas } from '../topic-configs.js';
import type { Body, KafkaHandler } from './types.js';

const PARTITIONS_DEFAULT = 1;
const REPLICATION_FACTOR_DEFAULT = 1;
/** Kafka's "the broker decides" for partition count and replication factor. */
const BROKER_DEFAULT = -1;
const MIN_INSYNC_REPLICAS = 'min.insync.replicas';

type TopicRequest = Body<'createTopics'>['topics'][number];

interface Shape {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly assignment: number[][] | undefined;
}

/** Partition count, replication factor and manual assignment as the request gives them. */
function shapeOf(t: TopicRequest): Shape {
  if (t.assignments.length === 0) {
    return {
      partitions: t.numPartitions === BROKER_DEFAULT ? PARTITIONS_DEFAULT : t.numPartitions,
      replicationFactor: t.replicationFactor === BROKER_DEFAULT ? REPLICATION_FACTOR_DEFAULT : t.replicationFactor,
      assignment: undefined,
    };
  }
  if (t.numPartitions !== BROKER_DEFAULT || t.replicationFactor !== BROKER_DEFAULT) {
    throw new InvalidRequestError('with a replica assignment, the partition count and replication factor must be -1');
  }
  const assignment: number[][] = [];
  for (const a of t.assignments) {
    if (a.partitionIndex !== assignment.length) throw new InvalidRequestError('the replica assignment must list partitions 0, 1, 2... in order');
    assignment.push([...a.brokerIds]);
  }
  const rf = assignment[0]!.length;
  if (assignment.some((r) => r.length !== rf)) throw new InvalidReplicationFactorError('every partition of the replica assignment must have as many replicas');
  return { partitions: assignment.length, replicationFactor: rf, assignment };
}

export const handleCreateTopics: KafkaHandler<'createTopics'> = async (ctx, req) => {
  const { config, cluster } = ctx.services;
  const results = [];
  for (const t of req.body.topics) {
    try {
      const { partitions, replicationFactor, assignment } = shapeOf(t);
      // A broker alone is every partition's one replica: an assignment can only say so.
      if (assignment && cluster.mode === 'single-node' && assignment.some((r) => r.length !== 1 || r[0] !== config.nodeId)) {
        throw new InvalidReplicationFactorError(`this broker (node ${config.nodeId}) runs alone: a replica assignment can only name it`);
      }
      if (partitions < 1 || partitions > config.limits.maxPartitionsPerTopic) {
        results.push({ name: t.name, errorCode: KafkaError.INVALID_PARTITIONS,
          errorMessage: `partition count must be in [1, ${config.limits.maxPartitionsPerTopic}], got ${partitions}` });
        continue;
      }
      // In a cluster min.insync.replicas is the topic's own; a broker alone keeps it fixed at 1.
      const minIsrEntry = cluster.mode === 'cluster' ? t.configs.find((c) => c.name === MIN_INSYNC_REPLICAS) : undefined;
      const minInsyncReplicas = minIsrEntry ? parseMinIsr(minIsrEntry.value) : undefined;
      const overrides = overridesFromKafkaConfigs(minIsrEntry ? t.configs.filter((c) => c !== minIsrEntry) : t.configs);
      validateNewTopicName(t.name);
      const effective = effectiveLogConfig(config.log, overrides, t.name);
      let rf = replicationFactor;
      let minIsr = minInsyncReplicas ?? (cluster.mode === 'cluster' ? defaultMinInsyncReplicas(replicationFactor) : 1);
      if (req.body.validateOnly) {
        if (cluster.mode === 'single-node') checkSingleNodeReplication(replicationFactor, minInsyncReplicas);
        else {
          const live = cluster.brokers().length;
          if (replicationFactor < 1 || replicationFactor > live) {
            throw new InvalidReplicationFactorError(`replication factor ${replicationFactor} is larger than the ${live} live broker${live === 1 ? '' : 's'}`);
          }
          if (minIsr > replicationFactor) throw new InvalidConfigError(`min.insync.replicas ${minIsr} is larger than the replication factor ${replicationFactor}`);
        }
        if (cluster.topic(t.name)) throw new TopicAlreadyExistsError(`topic ${t.name} already exists`);
      } else {
        const created = await cluster.createTopic({
          name: t.name, partitions, replicationFactor, config: overrides,
          ...(minInsyncReplicas === undefined ? {} : { minInsyncReplicas }),
          ...(assignment ? { assignment } : {}),
        });
        rf = created.replicationFactor;
        minIsr = created.minInsyncReplicas;
      }
      results.push({
        name: t.name, errorCode: KafkaError.NONE, errorMessage: null, numPartitions: partitions, replicationFactor: rf,
        configs: withMinInsyncReplicas(describeTopicConfigs(effective, overrides, new Set(config.logExplicit)), minIsr, defaultMinInsyncReplicas(rf)).map((e) => ({
          name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: false,
        })),
      });
    } catch (err) {
      ctx.logger.debug({ err, topic: t.name }, 'create topic refused');
      results.push({ name: t.name, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) });
    }
  }
  return { topics: results };
};

function parseMinIsr(value: string | null): number {
  const n = value === null ? NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidConfigError(`${MIN_INSYNC_REPLICAS} must be a positive integer, got ${value}`);
  return n;
}
