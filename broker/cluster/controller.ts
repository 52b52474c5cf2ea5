/**
 * The controller: while this broker holds the controllership (controller-election.ts), it
 * keeps every partition's state in etcd in line with the live brokers:
 *  - a topic whose partitions have no state yet gets their first state (initialState);
 *  - a partition whose leader died gets a new leader from its ISR, epoch + 1 (or no leader,
 *    or an unclean leader when allowed: see partition-state.ts `decide`);
 *  - dead followers leave the ISR, and a preferred replica back in the ISR leads again;
 *  - partition states of deleted topics are removed;
 *  - once OFFSETS_TOPIC_REPLICATION_FACTOR brokers are live, the offsets topic is created if
 *    absent (offsets-topic.ts).
 *
 * It reconciles on every change of the view and at least every CONTROLLER_RECONCILE_MS_MAX,
 * one pass at a time (a change during a pass schedules another). Every write is a fenced
 * transaction that also compares the partition key's mod revision with the one the decision
 * was made from, so a decision made on a stale copy is dropped and made again once the copy
 * catches up. A write whose fence fails means another controller took over: the controller
 * stops and says so ('deposed').
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { ClusterView } from './cluster-view.js';
import type { ClusterKeys } from './cluster-keys.js';
import { CONTROLLER_RECONCILE_MS_MAX, ETCD_RETRY_MS } from './constants.js';
import { fencedTxn, fenceHolds, type ControllerFence } from './controller-election.js';
import type { EtcdClient } from './etcd-client.js';
import { OFFSETS_TOPIC, OFFSETS_TOPIC_REPLICATION_FACTOR } from '../groups/constants.js';
import { racksOf } from './placement.js';
import { createOffsetsTopic, offsetsTopicRecord } from './offsets-topic.js';
import { decide, initialState, serializePartitionState, NO_LEADER, type PartitionState } from './partition-state.js';

export interface ControllerOptions {
  client: EtcdClient;
  keys: ClusterKeys;
  view: ClusterView;
  fence: ControllerFence;
  /** Elect a live replica outside the ISR when no ISR member is alive (may lose acknowledged records). */
  uncleanLeaderElection: boolean;
  /**
   * Partitions of the offsets topic, which this controller creates once enough brokers are live.
   * Brokers always pass it; undefined (controller-only tests without brokers): not created.
   */
  offsetsTopicPartitions?: number;
  logger: Logger;
}

interface Write {
  topic: string;
  partition: number;
  /** The mod revision the decision was made from; null: the key must not exist yet. */
  fromRevision: string | null;
  /** null: delete the key. */
  state: PartitionState | null;
  why: string;
  unclean?: boolean;
}

export class Controller extends EventEmitter {
  private running = false;
  private passing: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly onChange = (): void => this.schedule();

  constructor(private readonly opts: ControllerOptions) {
    super();
  }

  get epoch(): bigint {
    return this.opts.fence.epoch;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.opts.logger.info({ controllerEpoch: this.epoch.toString() }, 'became controller');
    this.opts.view.on('change', this.onChange);
    this.timer = setInterval(() => this.schedule(), CONTROLLER_RECONCILE_MS_MAX);
    this.timer.unref();
    this.schedule();
  }

  /** Stops reconciling; resolves once a pass in progress has finished. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.opts.view.off('change', this.onChange);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.passing;
  }

  /** Resolves after a full pass that started after this call. */
  async settle(): Promise<void> {
    this.schedule();
    while (this.passing) await this.passing;
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.pass().finally(() => {
      this.passing = null;
      if (this.again && this.running) {
        this.again = false;
        this.schedule();
      }
    });
  }

  private async pass(): Promise<void> {
    try {
      await this.ensureOffsetsTopic();
      const writes = this.plan();
      if (writes.length === 0) return;
      const results = await Promise.all(writes.map((w) => this.write(w)));
      if (results.includes(false) && this.running) {
        if (!(await fenceHolds(this.opts.client, this.opts.fence))) {
          this.opts.logger.warn({ controllerEpoch: this.epoch.toString() }, 'controller fence no longer holds: another controller took over');
          await this.stopAndSay();
          return;
        }
        this.again = true; // stale copies: decide again once the watch caught up
      }
    } catch (err) {
      this.opts.logger.warn({ err }, 'controller pass failed; retrying');
      await new Promise((r) => setTimeout(r, ETCD_RETRY_MS));
      this.again = true;
    }
  }

  /** Creates the offsets topic once enough brokers are live; its partition states follow in the next pass. */
  private async ensureOffsetsTopic(): Promise<void> {
    const { view, client, keys, fence, logger } = this.opts;
    const partitions = this.opts.offsetsTopicPartitions;
    if (partitions === undefined || view.topics.has(OFFSETS_TOPIC)) return;
    const live = [...view.liveBrokerIds()];
    if (live.length < OFFSETS_TOPIC_REPLICATION_FACTOR) return;
    const existing = [...view.topics.values()].flatMap((t) => t.value.assignment);
    const record = offsetsTopicRecord(partitions, live, existing, Date.now(), racksOf([...view.brokers.values()].map((v) => v.value)));
    if (await createOffsetsTopic(client, keys, record, fencedTxn(client, fence))) {
      logger.info({ topic: OFFSETS_TOPIC, partitions: record.partitions, replicationFactor: record.replicationFactor }, 'created the offsets topic');
    }
  }

  private async stopAndSay(): Promise<void> {
    this.running = false;
    this.opts.view.off('change', this.onChange);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.emit('deposed');
  }

  /** The decisions of one pass, from the view as it is now. */
  private plan(): Write[] {
    const { view, uncleanLeaderElection } = this.opts;
    const live = view.liveBrokerIds();
    const epoch = Number(this.epoch);
    const writes: Write[] = [];
    for (const [name, { value: topic }] of view.topics) {
      for (let p = 0; p < topic.partitions; p++) {
        const cur = view.partition(name, p);
        if (!cur) {
          writes.push({ topic: name, partition: p, fromRevision: null, state: initialState(topic.assignment[p]!, live, epoch), why: 'new partition' });
          continue;
        }
        const d = decide(cur.value, live, epoch, uncleanLeaderElection);
        if (!d) continue;
        const why = d.state.leader !== cur.value.leader
          ? (d.state.leader === NO_LEADER ? 'no live ISR member: partition offline' : d.unclean ? 'unclean leader election' : cur.value.leader !== NO_LEADER && live.has(cur.value.leader) ? 'preferred leader election' : 'leader election')
          : 'dead brokers leave the ISR';
        writes.push({ topic: name, partition: p, fromRevision: cur.modRevision, state: d.state, why, unclean: d.unclean });
      }
    }
    for (const [name, parts] of view.partitions) {
      const topic = view.topics.get(name)?.value;
      for (const [p, cur] of parts) {
        if (!topic || p >= topic.partitions) writes.push({ topic: name, partition: p, fromRevision: cur.modRevision, state: null, why: 'topic deleted' });
      }
    }
    return writes;
  }

  /** One fenced CAS; false when it did not apply (stale copy or lost fence). */
  private async write(w: Write): Promise<boolean> {
    const { client, keys, fence, logger, view } = this.opts;
    const key = keys.partition(w.topic, w.partition);
    const txn = fencedTxn(client, fence);
    if (w.fromRevision === null) txn.and(key, 'Create', '==', 0);
    else txn.and(key, 'Mod', '==', w.fromRevision);
    const op = w.state === null ? client.delete().key(key) : client.put(key).value(serializePartitionState(w.state));
    const res = await txn.then(op).commit();
    if (!res.succeeded) return false;
    const before = view.partition(w.topic, w.partition)?.value;
    const fields = { topic: w.topic, partition: w.partition, why: w.why, leader: w.state?.leader, leaderEpoch: w.state?.leaderEpoch, isr: w.state?.isr, previousLeader: before?.leader, previousIsr: before?.isr };
    if (w.unclean) {
      logger.warn({ ...fields, lost: 'records acknowledged by the previous ISR and not on the new leader' }, 'unclean leader election: the new leader was not in the ISR and may lack acknowledged records');
    } else {
      logger.info(fields, 'partition state changed');
    }
    return true;
  }
}
