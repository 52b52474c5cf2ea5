/**
 * Brokers in one process for the replication tests: each has a ClusterNode on the real etcd,
 * real partitions (LocalLog + Partition in temp dirs) and a ReplicaManager; the transport
 * between them is a direct call into the leader's manager instead of the broker-to-broker
 * protocol, and a "crashed" broker answers ConnectionClosedError.
 */
import { ConnectionClosedError } from '../../../proto/errors.js';
import type { ClusterNode } from '../../../broker/cluster/cluster-node.js';
import { createRootLogger, silentLogger } from '../../../broker/logger.js';
import type { Partition } from '../../../broker/partition/partition.js';
import { ReplicaManager, type LocalReplicas } from '../../../broker/replication/replica-manager.js';
import type { ReplicaTransport } from '../../../broker/replication/replica-transport.js';
import { openReplica, type Replica } from '../../unit/replication/helpers.js';
import { crash, joinNode } from './nodes.js';

export interface TestBroker {
  readonly id: number;
  node: ClusterNode;
  manager: ReplicaManager;
  readonly replicas: Map<string, Replica>;
  up: boolean;
}

export class InProcessCluster {
  readonly brokers = new Map<number, TestBroker>();

  constructor(readonly url: string, readonly opts: { replicaLagMs?: number } = {}) {}

  readonly transport: ReplicaTransport = {
    fetch: async (leaderId, cmd, signal) => this.target(leaderId).manager.handleFetch(cmd, signal),
    endOffsetForEpoch: async (leaderId, cmd) => this.target(leaderId).manager.handleEndOffsetForEpoch(cmd),
  };

  private target(id: number): TestBroker {
    const b = this.brokers.get(id);
    if (!b || !b.up) throw new ConnectionClosedError(`broker ${id} is down`);
    return b;
  }

  async start(id: number): Promise<TestBroker> {
    const existing = this.brokers.get(id);
    const replicas = existing?.replicas ?? new Map<string, Replica>();
    const local: LocalReplicas = {
      open: async (topic, partition): Promise<Partition> => {
        const key = `${topic}-${partition}`;
        let r = replicas.get(key);
        if (!r) replicas.set(key, (r = await openReplica({ flushPolicy: 'always' }, topic, partition)));
        return r.partition;
      },
      deleteTopic: async (topic) => {
        for (const [key, r] of [...replicas]) {
          if (!key.startsWith(`${topic}-`)) continue;
          replicas.delete(key);
          await r.close();
        }
      },
    };
    const node = await joinNode(this.url, id);
    const manager = new ReplicaManager({ node, local, transport: this.transport, replicaLagMs: this.opts.replicaLagMs, logger: process.env.STRATA_TEST_LOG ? createRootLogger('debug').child({ broker: id }) : silentLogger() });
    const b: TestBroker = { id, node, manager, replicas, up: true };
    this.brokers.set(id, b);
    manager.start();
    return b;
  }

  /** kill -9 as etcd and the other brokers see it: keepalives stop, the broker answers nothing. */
  async crash(id: number): Promise<void> {
    const b = this.brokers.get(id)!;
    b.up = false;
    crash(b.node);
    await b.manager.stop();
  }

  partition(id: number, topic: string, p: number): Partition {
    return this.brokers.get(id)!.replicas.get(`${topic}-${p}`)!.partition;
  }

  async close(): Promise<void> {
    for (const b of this.brokers.values()) {
      if (b.up) {
        await b.manager.stop();
        await b.node.close().catch(() => undefined);
      }
      for (const r of b.replicas.values()) await r.close().catch(() => undefined);
    }
    this.brokers.clear();
  }
}
