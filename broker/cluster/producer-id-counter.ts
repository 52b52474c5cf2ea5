/**
 * Cluster-wide producer ids: one counter at `producer-ids` ({"next": N}) that every broker takes
 * blocks from with a compare-and-swap, so no two brokers ever hand out the same id and an id
 * the cluster never issued can be told from one it did (issue 17) on any broker.
 *
 * A broker reserves CLUSTER_PRODUCER_ID_BLOCK_SIZE ids per transaction; ids of a block that
 * were never handed out (the broker crashed) are skipped, never reused. `ensureAbove` lifts
 * the counter past the highest producer id found in a broker's logs, so data written before
 * the broker joined a cluster, or under a lost counter, never meets a reissued id.
 */
import { CorruptLogError, RequestTimedOutError } from '../../proto/errors.js';
import type { ClusterKeys } from './cluster-keys.js';
import { intField, parseJsonObject } from './cluster-json.js';
import { CAS_ATTEMPTS_MAX, CLUSTER_PRODUCER_ID_BLOCK_SIZE } from './constants.js';
import type { EtcdClient } from './etcd-client.js';

export interface IdBlock {
  /** First id of the block. */
  readonly start: number;
  /** One past the last id. */
  readonly end: number;
}

export class ProducerIdCounter {
  constructor(private readonly client: EtcdClient, private readonly keys: ClusterKeys) {}

  /** Reserves the next block of ids. */
  reserveBlock(size = CLUSTER_PRODUCER_ID_BLOCK_SIZE): Promise<IdBlock> {
    return this.update((next) => next + size).then(({ before, after }) => ({ start: before, end: after }));
  }

  /** Makes the counter at least `floor`; resolves with the counter after the call. */
  async ensureAbove(highestIssued: number): Promise<number> {
    const { after } = await this.update((next) => Math.max(next, highestIssued + 1));
    return after;
  }

  /** The counter now: every id below it may have been issued. */
  async current(): Promise<number> {
    const res = await this.client.get(this.keys.producerIds).exec();
    return res.kvs[0] ? this.parse(res.kvs[0].value.toString('utf8')) : 0;
  }

  private async update(fn: (next: number) => number): Promise<{ before: number; after: number }> {
    const key = this.keys.producerIds;
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const res = await this.client.get(key).exec();
      const kv = res.kvs[0];
      const before = kv ? this.parse(kv.value.toString('utf8')) : 0;
      const after = fn(before);
      if (after === before) return { before, after };
      const txn = kv ? this.client.if(key, 'Mod', '==', kv.mod_revision) : this.client.if(key, 'Create', '==', 0);
      const out = await txn.then(this.client.put(key).value(JSON.stringify({ next: after }))).commit();
      if (out.succeeded) return { before, after };
    }
    throw new RequestTimedOutError(`producer id counter lost ${CAS_ATTEMPTS_MAX} compare-and-swaps in a row`);
  }

  private parse(text: string): number {
    const doc = parseJsonObject(text, this.keys.producerIds);
    const next = intField(doc, 'next', this.keys.producerIds, 0);
    if (next > Number.MAX_SAFE_INTEGER - CLUSTER_PRODUCER_ID_BLOCK_SIZE) throw new CorruptLogError('producer id counter is exhausted');
    return next;
  }
}
