/**
 * ReplicaFetch and OffsetsForLeaderEpoch: what a follower asks its leader (broker to broker).
 * Both go straight to this broker's ReplicaManager, which checks the leader epoch (KIP-320) and
 * the lease, counts the follower's position toward the high watermark and long-polls for new
 * batches. A broker running alone has no replicas to serve: NotLeaderOrFollowerError.
 *
 * The records travel as the leader's log holds them (a copy out of the read buffer, whole
 * batches with their offsets and epochs), so the follower's log ends up byte-identical.
 */
import { NotLeaderOrFollowerError } from '../../../proto/errors.js';
import { REPLICA_FETCH_BYTES_MAX, REPLICA_FETCH_WAIT_MS_MAX } from '../../replication/constants.js';
import type { ReplicaManager } from '../../replication/replica-manager.js';
import type {
  EpochEndOffsetCommand, EpochEndOffsetResult, ReplicaFetchCommand, ReplicaFetchResult,
} from '../../replication/replica-transport.js';
import type { RequestContext } from '../request-context.js';

export type { EpochEndOffsetCommand, EpochEndOffsetResult, ReplicaFetchCommand, ReplicaFetchResult };

function replicasOf(ctx: RequestContext): ReplicaManager {
  const replicas = ctx.services.replicas;
  if (!replicas) throw new NotLeaderOrFollowerError('this broker runs alone (no --cluster): it has no followers to serve');
  return replicas;
}

export async function handleReplicaFetch(ctx: RequestContext, cmd: ReplicaFetchCommand): Promise<ReplicaFetchResult> {
  // Bounded here, whatever the peer asks: the answer must fit a frame, and a parked fetch must end.
  const bounded: ReplicaFetchCommand = {
    ...cmd,
    maxBytes: Math.min(cmd.maxBytes || REPLICA_FETCH_BYTES_MAX, REPLICA_FETCH_BYTES_MAX),
    maxWaitMs: Math.min(cmd.maxWaitMs, REPLICA_FETCH_WAIT_MS_MAX),
  };
  return replicasOf(ctx).handleFetch(bounded, ctx.connectionOrBrokerEnding);
}

export async function handleOffsetsForLeaderEpoch(ctx: RequestContext, cmd: EpochEndOffsetCommand): Promise<EpochEndOffsetResult> {
  return replicasOf(ctx).handleEndOffsetForEpoch(cmd);
}
