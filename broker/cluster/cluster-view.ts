/**
 * One broker's copy of the cluster state in etcd: live brokers, controller candidates, topics
 * and partition states, kept current by a single watch on the cluster's prefix.
 *
 * Consistency: start() reads the whole prefix at one revision R, then watches from R + 1, so
 * the copy goes through exactly the states etcd went through, in order (etcd3 resumes a broken
 * watch from the last revision it delivered). If the watch cannot resume (the revision was
 * compacted) the view reloads everything. Each entry keeps its key's mod revision, which
 * compare-and-swap writers use; a CAS against a stale copy fails and the writer retries once
 * the watch has caught up.
 *
 * Listeners ('change') are called after every applied event with the kinds of keys it touched;
 * they must not throw (a throw is logged).
 */
import { EventEmitter } from 'node:events';
import type { Watcher } from 'etcd3';
import type { Logger } from '../logger.js';
import { parseBrokerInfo, type BrokerInfo } from './broker-info.js';
import type { ClusterKeys } from './cluster-keys.js';
import { keyOf, type EtcdClient } from './etcd-client.js';
import { parsePartitionState, type PartitionState } from './partition-state.js';
import { parseTopicRecord, type TopicRecord } from './topic-record.js';

export interface Versioned<T> {
  readonly value: T;
  /** The key's mod_revision when this value was written. */
  readonly modRevision: string;
}

export interface ControllerCandidate {
  readonly brokerId: number;
  readonly key: string;
  readonly createRevision: bigint;
}

export type ChangeKind = 'brokers' | 'controller' | 'topics' | 'partitions';

interface KeyValue { key: Buffer; value: Buffer; mod_revision: string; create_revision: string }

export class ClusterView extends EventEmitter {
  readonly brokers = new Map<number, Versioned<BrokerInfo>>();
  readonly candidates = new Map<string, ControllerCandidate>();
  readonly topics = new Map<string, Versioned<TopicRecord>>();
  /** topic → partition → state. */
  readonly partitions = new Map<string, Map<number, Versioned<PartitionState>>>();
  private watcher: Watcher | null = null;
  private closed = false;
  /** Revision the copy is at (the last event applied, or the initial read). */
  revision = 0n;

  constructor(private readonly client: EtcdClient, readonly keys: ClusterKeys, private readonly logger: Logger) {
    super();
  }

  async start(): Promise<void> {
    await this.load();
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.watcher;
    this.watcher = null;
    await w?.cancel().catch(() => undefined);
  }

  /** The current controller: the candidate with the lowest create revision. */
  controller(): ControllerCandidate | null {
    let best: ControllerCandidate | null = null;
    for (const c of this.candidates.values()) if (!best || c.createRevision < best.createRevision) best = c;
    return best;
  }

  liveBrokerIds(): Set<number> {
    return new Set(this.brokers.keys());
  }

  partition(topic: string, partition: number): Versioned<PartitionState> | undefined {
    return this.partitions.get(topic)?.get(partition);
  }

  /** Resolves once the view satisfies `pred` (checked now and after every change), or rejects after `timeoutMs`. */
  waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onChange = (): void => {
        if (!pred()) return;
        cleanup();
        resolve(true);
      };
      const timer = setTimeout(() => { cleanup(); resolve(false); }, timeoutMs);
      const cleanup = (): void => { clearTimeout(timer); this.off('change', onChange); };
      this.on('change', onChange);
    });
  }

  private async load(): Promise<void> {
    const res = await this.client.getAll().prefix(this.keys.prefix).exec();
    this.brokers.clear();
    this.candidates.clear();
    this.topics.clear();
    this.partitions.clear();
    for (const kv of res.kvs as unknown as KeyValue[]) this.apply('put', kv);
    this.revision = BigInt(res.header.revision);
    if (this.closed) return;
    const watcher = await this.client.watch().prefix(this.keys.prefix).startRevision(String(this.revision + 1n)).create();
    if (this.closed) {
      await watcher.cancel();
      return;
    }
    this.watcher = watcher;
    watcher.on('put', (kv) => this.applied('put', kv as unknown as KeyValue));
    watcher.on('delete', (kv) => this.applied('delete', kv as unknown as KeyValue));
    watcher.on('error', (err) => {
      // A watch that cannot resume (compacted revision, cancelled by etcd): start over.
      this.logger.warn({ err }, 'cluster watch failed; reloading the cluster state');
      if (this.watcher === watcher) this.watcher = null;
      void watcher.cancel().catch(() => undefined);
      void this.reloadUntilDone();
    });
    this.emit('change', new Set<ChangeKind>(['brokers', 'controller', 'topics', 'partitions']));
  }

  private async reloadUntilDone(): Promise<void> {
    while (!this.closed) {
      try {
        await this.load();
        return;
      } catch (err) {
        this.logger.warn({ err }, 'cluster state reload failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private applied(type: 'put' | 'delete', kv: KeyValue): void {
    const rev = BigInt(kv.mod_revision);
    if (rev > this.revision) this.revision = rev;
    const kind = this.apply(type, kv);
    if (kind === null) return;
    try {
      this.emit('change', new Set<ChangeKind>([kind]));
    } catch (err) {
      this.logger.error({ err }, 'cluster change listener threw');
    }
  }

  /** Applies one key's put or delete to the copy; returns what kind of key it was. */
  private apply(type: 'put' | 'delete', kv: KeyValue): ChangeKind | null {
    const key = keyOf(kv);
    const { keys } = this;
    try {
      const brokerId = keys.parseBroker(key);
      if (brokerId !== null) {
        if (type === 'delete') this.brokers.delete(brokerId);
        else this.brokers.set(brokerId, { value: parseBrokerInfo(kv.value.toString('utf8'), key), modRevision: kv.mod_revision });
        return 'brokers';
      }
      if (key.startsWith(keys.controllerPrefix)) {
        if (type === 'delete') this.candidates.delete(key);
        else this.candidates.set(key, { brokerId: Number(kv.value.toString('utf8')), key, createRevision: BigInt(kv.create_revision) });
        return 'controller';
      }
      const topic = keys.parseTopic(key);
      if (topic !== null) {
        if (type === 'delete') this.topics.delete(topic);
        else this.topics.set(topic, { value: parseTopicRecord(kv.value.toString('utf8'), key), modRevision: kv.mod_revision });
        return 'topics';
      }
      const tp = keys.parsePartition(key);
      if (tp !== null) {
        let m = this.partitions.get(tp.topic);
        if (type === 'delete') {
          m?.delete(tp.partition);
          if (m?.size === 0) this.partitions.delete(tp.topic);
        } else {
          if (!m) this.partitions.set(tp.topic, (m = new Map()));
          m.set(tp.partition, { value: parsePartitionState(kv.value.toString('utf8'), key), modRevision: kv.mod_revision });
        }
        return 'partitions';
      }
    } catch (err) {
      // A document this version cannot read: keep the rest of the view working, say which key.
      this.logger.error({ err, key }, 'ignoring an unreadable cluster key');
    }
    return null;
  }
}
