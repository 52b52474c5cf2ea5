/**
 * A partition leader's own ISR changes (shrink a follower that fell behind, expand one that
 * caught up), written to etcd as a compare-and-swap that only applies while the state still
 * names this broker leader at the epoch it leads with. A deposed leader (epoch bumped by the
 * controller while it was paused or cut off) therefore can never shrink the ISR to itself and
 * go on acknowledging alone.
 */
import { RequestTimedOutError } from '../../proto/errors.js';
import type { ClusterKeys } from './cluster-keys.js';
import { CAS_ATTEMPTS_MAX } from './constants.js';
import type { EtcdClient } from './etcd-client.js';
import { parsePartitionState, serializePartitionState, withIsr, type PartitionState } from './partition-state.js';

export type IsrUpdate =
  | { readonly ok: true; readonly state: PartitionState; readonly modRevision: string }
  /** The state no longer names `leader` at `leaderEpoch` (or the partition is gone). */
  | { readonly ok: false; readonly state: PartitionState | null };

export async function updateIsr(
  client: EtcdClient, keys: ClusterKeys, topic: string, partition: number, leader: number, leaderEpoch: number, isr: readonly number[],
): Promise<IsrUpdate> {
  const key = keys.partition(topic, partition);
  for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
    const res = await client.get(key).exec();
    const kv = res.kvs[0];
    if (!kv) return { ok: false, state: null };
    const cur = parsePartitionState(kv.value.toString('utf8'), key);
    if (cur.leader !== leader || cur.leaderEpoch !== leaderEpoch) return { ok: false, state: cur };
    const next = withIsr(cur, isr);
    if (next.isr.length === cur.isr.length && next.isr.every((b, i) => b === cur.isr[i])) {
      return { ok: true, state: cur, modRevision: kv.mod_revision };
    }
    const txn = await client.if(key, 'Mod', '==', kv.mod_revision).then(client.put(key).value(serializePartitionState(next))).commit();
    if (txn.succeeded) return { ok: true, state: next, modRevision: txn.header.revision };
    // The controller (or our own earlier write) changed the state meanwhile: read it again.
  }
  throw new RequestTimedOutError(`ISR update of ${topic}-${partition} lost ${CAS_ATTEMPTS_MAX} compare-and-swaps in a row`);
}
