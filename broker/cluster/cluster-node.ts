/**
 * One broker's membership of an etcd cluster: its etcd client, its ClusterView, its lease and
 * registration, and the controller role when its candidacy is the oldest.
 *
 * Lease lifecycle (broker-lease.ts): while the lease is `valid()` the broker may act as what
 * the partition states say it is; when it is suspended (no keepalive answered before the
 * deadline) everything that needs it must stop acknowledging ('lease-suspended', then
 * 'lease-resumed'); when it is lost, the node drops the controllership, grants a new lease and
 * registers again under the same node id ('lease-lost', then 'rejoined'). By then the
 * controller has moved this broker's leaderships elsewhere with bumped epochs, so the broker
 * comes back as a follower of whatever the states now say.
 *
 * close(): stops the controller, revokes the lease (so the controller reacts now instead of
 * after a TTL), closes the watch and the client.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { BrokerInfo } from './broker-info.js';
import { BrokerLease } from './broker-lease.js';
import { registerBroker, type Registration } from './broker-registration.js';
import { ClusterKeys } from './cluster-keys.js';
import { ClusterView } from './cluster-view.js';
import { CLUSTER_JOIN_MS_MAX, ETCD_RETRY_MS, LEASE_TTL_S_DEFAULT } from './constants.js';
import { Controller } from './controller.js';
import { createEtcdClient, type EtcdClient } from './etcd-client.js';
import type { EtcdEndpoints } from './etcd-endpoints.js';
import { ProducerEpochs } from './producer-epochs.js';
import { ProducerIdCounter } from './producer-id-counter.js';

export interface ClusterNodeOptions {
  etcd: EtcdEndpoints;
  nodeId: number;
  /** Listener name → advertised URL ('ws' at least). */
  endpoints: Readonly<Record<string, string>>;
  /** The broker's rack, registered with it (`--rack`). */
  rack?: string;
  /** @default LEASE_TTL_S_DEFAULT */
  leaseTtlS?: number;
  /** @default false */
  uncleanLeaderElection?: boolean;
  /** Partitions of the offsets topic if this broker's controller creates it; undefined (controller-only tests): the controller does not. */
  offsetsTopicPartitions?: number;
  /** How long join() waits (for a node id still held by a previous run's lease, among others). @default CLUSTER_JOIN_MS_MAX */
  joinTimeoutMs?: number;
  logger: Logger;
}

export class ClusterNode extends EventEmitter {
  readonly keys: ClusterKeys;
  readonly view: ClusterView;
  readonly producerIds: ProducerIdCounter;
  readonly producerEpochs: ProducerEpochs;
  private lease: BrokerLease | null = null;
  private registration: Registration | null = null;
  private controller: Controller | null = null;
  private closed = false;
  private readonly startedAtMs = Date.now();

  private constructor(readonly client: EtcdClient, private readonly opts: ClusterNodeOptions) {
    super();
    this.keys = new ClusterKeys(opts.etcd.prefix);
    this.view = new ClusterView(client, this.keys, opts.logger);
    this.producerIds = new ProducerIdCounter(client, this.keys);
    this.producerEpochs = new ProducerEpochs(client, this.keys);
    this.view.on('change', (kinds: Set<string>) => {
      if (kinds.has('controller')) this.checkControllership();
    });
  }

  /** Connects, loads the view, registers; rejects (InvalidConfigError, etcd errors) within CLUSTER_JOIN_MS_MAX. */
  static async join(opts: ClusterNodeOptions): Promise<ClusterNode> {
    const client = createEtcdClient(opts.etcd.hosts);
    const node = new ClusterNode(client, opts);
    try {
      const deadline = Date.now() + (opts.joinTimeoutMs ?? CLUSTER_JOIN_MS_MAX);
      await node.view.start();
      await node.register(deadline);
    } catch (err) {
      await node.close().catch(() => undefined);
      throw err;
    }
    return node;
  }

  get nodeId(): number {
    return this.opts.nodeId;
  }

  /** True while this broker may act on its registration (see broker-lease.ts). */
  leaseValid(): boolean {
    return this.lease?.valid() ?? false;
  }

  get isController(): boolean {
    return this.controller !== null;
  }

  /** The controller's broker id as this broker's view has it. */
  controllerId(): number | null {
    return this.view.controller()?.brokerId ?? null;
  }

  /** The running controller (tests and `cluster info`); null unless this broker is controller. */
  get activeController(): Controller | null {
    return this.controller;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.controller?.stop();
    this.controller = null;
    const lease = this.lease;
    this.lease = null;
    await lease?.revoke().catch((err: unknown) => this.opts.logger.warn({ err }, 'lease revoke failed; etcd expires it after its TTL'));
    await this.view.close();
    this.client.close();
  }

  private info(): BrokerInfo {
    return { id: this.opts.nodeId, endpoints: this.opts.endpoints, startedAtMs: this.startedAtMs, ...(this.opts.rack !== undefined ? { rack: this.opts.rack } : {}) };
  }

  private async register(deadlineMs: number): Promise<void> {
    const { logger } = this.opts;
    const lease = await BrokerLease.grant(this.client, this.opts.leaseTtlS ?? LEASE_TTL_S_DEFAULT, logger);
    if (this.closed) {
      await lease.revoke().catch(() => undefined);
      return;
    }
    lease.on('suspended', () => this.emit('lease-suspended'));
    lease.on('resumed', () => this.emit('lease-resumed'));
    lease.once('lost', () => void this.onLeaseLost(lease));
    this.lease = lease;
    try {
      this.registration = await registerBroker(this.client, this.keys, lease, this.info(), deadlineMs, logger);
    } catch (err) {
      this.lease = null;
      lease.release();
      throw err;
    }
    // Callers (and the controller) should see this broker as live before join() returns.
    await this.view.waitFor(() => this.view.brokers.has(this.opts.nodeId), CLUSTER_JOIN_MS_MAX);
    logger.info({ nodeId: this.opts.nodeId, leaseId: lease.id, ttlS: lease.ttlS }, 'registered in the cluster');
    this.checkControllership();
  }

  private async onLeaseLost(lease: BrokerLease): Promise<void> {
    if (this.lease !== lease || this.closed) return;
    this.lease = null;
    this.registration = null;
    await this.dropController();
    this.emit('lease-lost');
    while (!this.closed) {
      try {
        await this.register(Date.now() + CLUSTER_JOIN_MS_MAX);
        if (!this.closed) this.emit('rejoined');
        return;
      } catch (err) {
        this.opts.logger.warn({ err }, 'cannot register again after losing the lease; retrying');
        await new Promise((r) => setTimeout(r, ETCD_RETRY_MS * 5));
      }
    }
  }

  private checkControllership(): void {
    const reg = this.registration;
    if (this.closed || !reg) return;
    const leader = this.view.controller();
    const mine = leader?.key === reg.candidateKey;
    if (mine && !this.controller) {
      const controller = new Controller({
        client: this.client, keys: this.keys, view: this.view,
        fence: { candidateKey: reg.candidateKey, epoch: reg.candidateRevision },
        uncleanLeaderElection: this.opts.uncleanLeaderElection ?? false,
        ...(this.opts.offsetsTopicPartitions === undefined ? {} : { offsetsTopicPartitions: this.opts.offsetsTopicPartitions }),
        logger: this.opts.logger.child({ component: 'controller' }),
      });
      controller.once('deposed', () => {
        if (this.controller === controller) this.controller = null;
        this.emit('controller', false);
      });
      this.controller = controller;
      controller.start();
      this.emit('controller', true);
    } else if (!mine && this.controller) {
      void this.dropController();
    }
  }

  private async dropController(): Promise<void> {
    const c = this.controller;
    if (!c) return;
    this.controller = null;
    await c.stop();
    this.opts.logger.info({ controllerEpoch: c.epoch.toString() }, 'no longer controller');
    this.emit('controller', false);
  }
}
