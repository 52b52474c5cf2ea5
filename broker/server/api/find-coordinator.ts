/**
 * FindCoordinator: which broker coordinates a consumer group. The coordinator is the leader of
 * the group's partition of the offsets topic (`__consumer_offsets`, partition chosen by a hash of
 * the group id over the topic's partition count), since that broker writes the group's commits.
 * A broker running alone coordinates every group. While the partition has no live leader (or, in
 * a cluster, before the offsets topic exists: this request creates it when the controller has
 * not) the answer is the retriable CoordinatorNotAvailableError, and the client asks again.
 */
import { CoordinatorNotAvailableError } from '../../../proto/errors.js';
import { OFFSETS_TOPIC } from '../../groups/constants.js';
import { validateGroupId } from '../../groups/group-id.js';
import { OffsetStore } from '../../groups/offset-store.js';
import type { BrokerInfo } from '../../cluster/broker-info.js';
import type { RequestContext } from '../request-context.js';

export interface FindCoordinatorCommand {
  readonly groupId: string;
}

export interface FindCoordinatorResult {
  readonly nodeId: number;
  /** The coordinator's WebSocket URL. */
  readonly url: string;
}

export async function handleFindCoordinator(ctx: RequestContext, cmd: FindCoordinatorCommand): Promise<FindCoordinatorResult> {
  const broker = await findCoordinatorBroker(ctx, cmd.groupId);
  return { nodeId: broker.id, url: broker.endpoints.ws! };
}

/**
 * The coordinator's registration (every listener's address), for the listeners' own
 * FindCoordinator answers. Throws CoordinatorNotAvailableError (retriable) while there is none.
 */
export async function findCoordinatorBroker(ctx: RequestContext, groupId: string): Promise<BrokerInfo> {
  validateGroupId(groupId);
  const { cluster } = ctx.services;
  // A broker alone keeps the offsets log outside its topics: it is the coordinator itself.
  if (cluster.mode === 'single-node') return cluster.brokers().find((b) => b.id === cluster.localBrokerId)!;
  const topic = cluster.topic(OFFSETS_TOPIC);
  if (!topic) {
    await cluster.ensureOffsetsTopic();
    throw new CoordinatorNotAvailableError(`group ${groupId}: the offsets topic is being created`);
  }
  const offsetsPartition = OffsetStore.partitionFor(groupId, topic.partitions);
  const leader = cluster.partition(OFFSETS_TOPIC, offsetsPartition)?.leader ?? -1;
  const broker = leader < 0 ? undefined : cluster.brokers().find((b) => b.id === leader && b.endpoints.ws);
  if (!broker) {
    throw new CoordinatorNotAvailableError(`group ${groupId}: ${OFFSETS_TOPIC}-${offsetsPartition} has no live leader at the moment`);
  }
  return broker;
}
