/**
 * Cluster-wide producer epochs: `producer-epochs/<id>` = {"epoch": N} for every producer id
 * whose epoch a broker raised (InitProducerId with the current id and epoch, KIP-360). An id
 * without a key holds epoch 0, the epoch every id is issued at. Any partition leader reads it to
 * tell a raised epoch from a forged one (cluster-producer-registry.ts), whichever broker raised
 * it: only the broker that issued an id to a connection may raise it, and it writes the key
 * before it answers, so a producer's first batch under the new epoch always finds it.
 *
 * Size: one key per raised id. A broker raises at most PRODUCER_EPOCH_BUMPS_MAX distinct ids
 * (then it hands out fresh ids instead, producer-ids.ts), so the keys are bounded by that times
 * the brokers that ever ran.
 */
import { RequestTimedOutError } from '../../proto/errors.js';
import { PRODUCER_EPOCH_MAX } from '../constants.js';
import type { ClusterKeys } from './cluster-keys.js';
import { intField, parseJsonObject } from './cluster-json.js';
import { CAS_ATTEMPTS_MAX } from './constants.js';
import type { EtcdClient } from './etcd-client.js';

export class ProducerEpochs {
  constructor(private readonly client: EtcdClient, private readonly keys: ClusterKeys) {}

  /** The epoch `producerId` holds now (0 when never raised). */
  async read(producerId: number): Promise<number> {
    const key = this.keys.producerEpoch(producerId);
    const res = await this.client.get(key).exec();
    return res.kvs[0] ? this.parse(key, res.kvs[0].value.toString('utf8')) : 0;
  }

  /** Makes the stored epoch of `producerId` at least `epoch` (never lowers it). */
  async raise(producerId: number, epoch: number): Promise<void> {
    const key = this.keys.producerEpoch(producerId);
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const res = await this.client.get(key).exec();
      const kv = res.kvs[0];
      if (kv && this.parse(key, kv.value.toString('utf8')) >= epoch) return;
      const txn = kv ? this.client.if(key, 'Mod', '==', kv.mod_revision) : this.client.if(key, 'Create', '==', 0);
      const out = await txn.then(this.client.put(key).value(JSON.stringify({ epoch }))).commit();
      if (out.succeeded) return;
    }
    throw new RequestTimedOutError(`producer epoch of ${producerId} lost ${CAS_ATTEMPTS_MAX} compare-and-swaps in a row`);
  }

  private parse(key: string, text: string): number {
    return intField(parseJsonObject(text, key), 'epoch', key, 0, PRODUCER_EPOCH_MAX);
  }
}
