/**
 * FindCoordinator: which broker coordinates a consumer group. The coordinator is the leader of
 * the group's partition of the offsets topic (`__consumer_offsets`, partition chosen by a hash of
 * the group id), since that broker writes the group's commits. A broker running alone
 * coordinates every group. While the partition has no live leader the answer is the retriable
 * CoordinatorNotAvailableError, and the client asks again.
 */
import { CoordinatorNotAvailableError } from '../../../proto/errors.js';
import { OFFSETS_TOPIC } from '../../groups/constants.js';
import { validateGroupId } from '../../groups/group-id.js';
import { OffsetStore } from '../../groups/offset-store.js';
import type { RequestContext } from '../request-context.js';
import { liveBrokerAddresses } from './metadata.js';

export interface FindCoordinatorCommand {
  readonly groupId: string;
}

export interface FindCoordinatorResult {
  readonly nodeId: number;
  /** The coordinator's WebSocket URL. */
  readonly url: string;
}

export async function handleFindCoordinator(ctx: RequestContext, cmd: FindCoordinatorCommand): Promise<FindCoordinatorResult> {
  validateGroupId(cmd.groupId);
  const { cluster } = ctx.services;
  const offsetsPartition = OffsetStore.partitionFor(cmd.groupId);
  const state = cluster.partition(OFFSETS_TOPIC, offsetsPartition);
  // A broker alone keeps the offsets log outside its topics: it is the coordinator itself.
  const nodeId = state ? state.leader : cluster.mode === 'single-node' ? cluster.localBrokerId : -1;
  const broker = nodeId < 0 ? undefined : liveBrokerAddresses(cluster).find((b) => b.nodeId === nodeId);
  if (!broker) {
    throw new CoordinatorNotAvailableError(
      `group ${cmd.groupId}: ${OFFSETS_TOPIC}-${offsetsPartition} has no live leader at the moment`);
  }
  return broker;
}
