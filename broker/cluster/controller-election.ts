/**
 * Controller election on etcd: every broker registers a candidate key `controller/<lease>`
 * under its lease (broker-registration.ts); the candidate with the lowest create_revision is
 * the controller, and that revision is its **controller epoch**. A later controller always
 * has a higher epoch, because its key was created after the earlier one's.
 *
 * Fencing: every write a controller makes is a transaction that first compares its own
 * candidate key's create_revision with its epoch. The key exists only while the lease does,
 * and is never re-created with the same revision, so once etcd expired the lease (and a new
 * controller may have been chosen) every write of the old controller fails, however long it
 * was paused and whatever it still believes.
 */
import type { ComparatorBuilder } from 'etcd3';
import type { EtcdClient } from './etcd-client.js';

export interface ControllerFence {
  readonly candidateKey: string;
  readonly epoch: bigint;
}

/** A transaction that applies only while `fence` still holds the controllership. */
export function fencedTxn(client: EtcdClient, fence: ControllerFence): ComparatorBuilder {
  return client.if(fence.candidateKey, 'Create', '==', fence.epoch.toString());
}

/** Whether the candidacy behind `fence` still exists in etcd (a failed fenced txn asks this). */
export async function fenceHolds(client: EtcdClient, fence: ControllerFence): Promise<boolean> {
  const res = await client.get(fence.candidateKey).exec();
  const kv = res.kvs[0];
  return kv !== undefined && BigInt(kv.create_revision) === fence.epoch;
}
