/**
 * ClusterInfo: the cluster as this broker sees it, for operators (`strata cluster info`): every
 * broker (live ones with their URL; ones named as replicas but not live, as not alive), the
 * controller, and per partition its leader, epoch, replicas, ISR and high watermark.
 *
 * The high watermark is known to the partition's leader only (a follower's copy lags), so this
 * broker reports it for the partitions it leads and -1 for the others; a client wanting all of
 * them asks each leader (the SDK's admin.clusterInfo() does).
 */
import { UnknownTopicError, type StrataError } from '../../../proto/errors.js';
import { validateTopicName } from '../../topics/topic-name.js';
import { itemError } from '../item-error.js';
import type { RequestContext } from '../request-context.js';
import { liveBrokerAddresses } from './metadata.js';

export interface ClusterInfoCommand {
  /** null or empty: every topic. */
  readonly topics: readonly string[] | null;
}

export interface BrokerStatus {
  readonly nodeId: number;
  /** '' when not alive. */
  readonly url: string;
  readonly alive: boolean;
}

export interface PartitionStatus {
  readonly partition: number;
  readonly error: StrataError | null;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** -1 unless this broker leads the partition. */
  readonly highWatermark: number;
}

export interface TopicStatus {
  readonly name: string;
  readonly error: StrataError | null;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly partitions: PartitionStatus[];
}

export interface ClusterInfoResult {
  readonly nodeId: number;
  readonly mode: 'single-node' | 'cluster';
  readonly controllerId: number;
  readonly brokers: BrokerStatus[];
  readonly topics: TopicStatus[];
}

export async function handleClusterInfo(ctx: RequestContext, cmd: ClusterInfoCommand): Promise<ClusterInfoResult> {
  const { cluster, topics } = ctx.services;
  const me = cluster.localBrokerId;
  const names = cmd.topics && cmd.topics.length > 0 ? cmd.topics : cluster.topicNames();
  const replicaIds = new Set<number>();
  const out: TopicStatus[] = [];
  for (const name of names) {
    try {
      validateTopicName(name);
      const info = cluster.topic(name);
      if (!info) throw new UnknownTopicError(`unknown topic ${name}`);
      const partitions: PartitionStatus[] = [];
      for (let index = 0; index < info.partitions; index++) {
        const state = cluster.partition(name, index);
        const local = state?.leader === me ? topics.getPartition(name, index) : undefined;
        for (const id of state?.replicas ?? []) replicaIds.add(id);
        partitions.push({
          partition: index,
          error: null,
          leader: state?.leader ?? -1,
          leaderEpoch: state?.leaderEpoch ?? -1,
          replicas: state?.replicas ?? [],
          isr: state?.isr ?? [],
          highWatermark: local ? local.highWatermark : -1,
        });
      }
      out.push({ name, error: null, replicationFactor: info.replicationFactor, minInsyncReplicas: info.minInsyncReplicas, partitions });
    } catch (err) {
      out.push({ name, error: itemError(ctx, err, { api: 'clusterInfo', topic: name }), replicationFactor: 0, minInsyncReplicas: 0, partitions: [] });
    }
  }
  const brokers: BrokerStatus[] = liveBrokerAddresses(cluster).map((b) => ({ ...b, alive: true }));
  for (const id of replicaIds) if (!brokers.some((b) => b.nodeId === id)) brokers.push({ nodeId: id, url: '', alive: false });
  brokers.sort((a, b) => a.nodeId - b.nodeId);
  return { nodeId: me, mode: cluster.mode, controllerId: cluster.controllerId() ?? -1, brokers, topics: out };
}
