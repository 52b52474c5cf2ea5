/**
 * Puts a broker into the cluster under its lease: `brokers/<id>` (its BrokerInfo) and its
 * controller candidacy `controller/<lease>` (controller-election.ts), in one transaction, both
 * attached to the lease so etcd removes them together when the lease expires.
 *
 * A node id is one broker's: the transaction only creates `brokers/<id>` if no live broker
 * holds it. A broker restarted right after a crash finds its previous incarnation's key still
 * there until that lease expires (at most one TTL), so register() retries until `deadlineMs`.
 */
import { InvalidConfigError } from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { serializeBrokerInfo, type BrokerInfo } from './broker-info.js';
import type { BrokerLease } from './broker-lease.js';
import type { ClusterKeys } from './cluster-keys.js';
import { ETCD_RETRY_MS } from './constants.js';
import type { EtcdClient } from './etcd-client.js';

export interface Registration {
  /** The candidate key and its create revision: the controller epoch if this broker leads. */
  readonly candidateKey: string;
  readonly candidateRevision: bigint;
}

export async function registerBroker(
  client: EtcdClient, keys: ClusterKeys, lease: BrokerLease, info: BrokerInfo, deadlineMs: number, logger: Logger,
): Promise<Registration> {
  const brokerKey = keys.broker(info.id);
  const candidateKey = keys.controllerCandidate(lease.id);
  let warned = false;
  for (;;) {
    const res = await client.if(brokerKey, 'Create', '==', 0)
      .then(
        client.put(brokerKey).value(serializeBrokerInfo(info)).lease(lease.id),
        client.put(candidateKey).value(String(info.id)).lease(lease.id),
      )
      .else(client.get(brokerKey))
      .commit();
    if (res.succeeded) {
      // The candidate key was created by this transaction: its create revision is the txn's.
      return { candidateKey, candidateRevision: BigInt(res.header.revision) };
    }
    const holder = res.responses[0]?.response_range?.kvs[0];
    if (holder && holder.lease === lease.id) {
      throw new InvalidConfigError(`broker ${info.id} is already registered under this lease`);
    }
    if (Date.now() >= deadlineMs) {
      throw new InvalidConfigError(`node id ${info.id} is held by another live broker (etcd key ${brokerKey}); give each broker its own --node-id`);
    }
    if (!warned) {
      logger.warn({ nodeId: info.id }, 'node id still registered (a previous run whose lease has not expired, or another broker); waiting');
      warned = true;
    }
    await new Promise((r) => setTimeout(r, ETCD_RETRY_MS * 5));
  }
}
