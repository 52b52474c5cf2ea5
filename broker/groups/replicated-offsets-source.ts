/**
 * Cluster mode: an offsets partition this broker leads, as the offset store's shard source.
 * Appends go through the replica manager with acks=all, so `done` settles only once the high
 * watermark passed the batch with min.insync.replicas in the ISR (and the lease still valid):
 * what the store then applies and acknowledges is on every replica that may lead next.
 *
 * Replication errors become the coordinator errors Kafka's group coordinator answers with, so
 * clients know what to do: leadership gone (NotLeaderOrFollower, fenced epochs, a storage
 * failure) is NotCoordinatorError — find the coordinator again; too few in-sync replicas is
 * CoordinatorNotAvailableError — retry later. Both retriable.
 */
import {
  CoordinatorNotAvailableError, FencedLeaderEpochError, NotCoordinatorError, NotEnoughReplicasAfterAppendError, NotEnoughReplicasError,
  NotLeaderOrFollowerError, StorageError, StrataError,
} from '../../proto/errors.js';
import type { Partition } from '../partition/partition.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import { OFFSETS_TOPIC } from './constants.js';
import type { OffsetsShardSource } from './offset-store.js';

export function replicatedOffsetsSource(
  replicas: ReplicaManager, index: number, epoch: number, partition: Partition, leaseValid: () => boolean,
): OffsetsShardSource {
  return {
    log: partition.log,
    append: (bytes) => {
      let res;
      try {
        res = replicas.produce(OFFSETS_TOPIC, index, bytes, 'all');
      } catch (err) {
        throw coordinatorError(err, index);
      }
      return { baseOffset: res.baseOffset, done: res.committed!.catch((err: unknown) => { throw coordinatorError(err, index); }) };
    },
    serving: () => {
      const role = replicas.role(OFFSETS_TOPIC, index);
      return role?.kind === 'leader' && role.epoch === epoch && leaseValid();
    },
  };
}

function coordinatorError(err: unknown, index: number): unknown {
  const where = `${OFFSETS_TOPIC}-${index}`;
  if (err instanceof NotEnoughReplicasError || err instanceof NotEnoughReplicasAfterAppendError) {
    return new CoordinatorNotAvailableError(`${where}: ${err.message}`, { cause: err });
  }
  if (err instanceof NotLeaderOrFollowerError || err instanceof FencedLeaderEpochError || err instanceof StorageError) {
    return new NotCoordinatorError(`${where}: ${err.message}`, { cause: err });
  }
  return err instanceof StrataError ? err : new NotCoordinatorError(`${where}: append failed`, { cause: err });
}
