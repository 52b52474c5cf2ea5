/**
 * A broker's replicas in a cluster (Kafka's ReplicaManager): for every partition whose replica
 * list names this broker, it follows the partition state in etcd and makes the local replica
 * what the state says:
 *  - leader at epoch E: Partition.makeLeader(E), a ReplicaTracker owning the high watermark,
 *    follower fetches served from the log (handleFetch), ISR shrink and expand written to etcd
 *    as a CAS at its own epoch (isr-updater.ts), produces accepted (produce());
 *  - follower of L at epoch E: a ReplicaFetcher truncating by epoch, then copying L's batches;
 *  - neither (no leader, or not a replica any more): nothing runs.
 *
 * Acknowledging needs the lease: a produce is refused (NotLeaderOrFollowerError, retriable)
 * while this broker's lease is not valid, before and after the append, so a leader that was
 * paused past its lease (a zombie) acknowledges nothing, whatever its memory says. acks=all
 * needs min.insync.replicas ISR members before the append (NotEnoughReplicasError) and after
 * the high watermark passed it (NotEnoughReplicasAfterAppendError). An acks=all produce waiting
 * for the high watermark fails with NotLeaderOrFollowerError as soon as the lease is suspended
 * or lost, or the leadership moves: a leader cut off from its followers and etcd would
 * otherwise hold it, unanswerable, until the request's timeout, while the client could already
 * retry on the new leader.
 *
 * Concurrency: transitions run one pass at a time (a change during a pass schedules another);
 * a partition's transition awaits the previous role's stop before the new one starts.
 */
import {
  FencedLeaderEpochError, NotEnoughReplicasAfterAppendError, NotEnoughReplicasError, NotLeaderOrFollowerError, UnknownLeaderEpochError,
} from '../../proto/errors.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import { updateIsr } from '../cluster/isr-updater.js';
import { NO_LEADER, type PartitionState } from '../cluster/partition-state.js';
import type { Logger } from '../logger.js';
import type { Acks, Partition, PartitionAppendResult } from '../partition/partition.js';
import { ReplicaTracker } from '../partition/replica-tracker.js';
import { ISR_CHECK_MS_MAX, REPLICA_LAG_MS_DEFAULT } from './constants.js';
import { ReplicaFetcher } from './replica-fetcher.js';
import type { EpochEndOffsetCommand, EpochEndOffsetResult, ReplicaFetchCommand, ReplicaFetchResult, ReplicaTransport } from './replica-transport.js';

/** Where the manager gets local replicas from (the broker's LogManager in production). */
export interface LocalReplicas {
  /** The local replica, opened (created empty when new) on first use. */
  open(topic: string, partition: number): Promise<Partition>;
  /** Closes and deletes every local replica of `topic`. */
  deleteTopic(topic: string): Promise<void>;
}

export interface ReplicaManagerOptions {
  readonly node: ClusterNode;
  readonly local: LocalReplicas;
  readonly transport: ReplicaTransport;
  /** The producer ids the cluster issued (cluster-producer-registry.ts); unchecked without. */
  readonly producerIds?: { confirm(records: Buffer): Promise<void> | null };
  /** @default REPLICA_LAG_MS_DEFAULT */
  readonly replicaLagMs?: number;
  readonly logger: Logger;
  /**
   * Called (synchronously) after the local replica of a partition took a new role, or stopped
   * being a replica ('gone'): the group coordinator loads and drops offsets partitions on it.
   */
  readonly onRoleChange?: (topic: string, partition: number, role: { kind: Role['kind'] | 'gone'; epoch: number; partition: Partition | null }) => void;
}

/** Rejected (once) when a leader must stop acknowledging: what pending acks=all waits race against. */
interface Abandon {
  readonly promise: Promise<never>;
  reject(err: Error): void;
}

function newAbandon(): Abandon {
  let reject!: (err: Error) => void;
  const promise = new Promise<never>((_, rej) => { reject = rej; });
  promise.catch(() => undefined);
  return { promise, reject };
}

type Role =
  | { kind: 'leader'; epoch: number; partition: Partition; tracker: ReplicaTracker; isrUpdating: boolean; minIsr: number; abandon: Abandon }
  | { kind: 'follower'; epoch: number; leaderId: number; partition: Partition; fetcher: ReplicaFetcher }
  | { kind: 'none'; epoch: number; partition: Partition };

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ReplicaManager {
  private readonly roles = new Map<string, Role>();
  private readonly topicsHere = new Set<string>();
  private syncing: Promise<void> | null = null;
  private again = false;
  private running = false;
  private isrTimer: NodeJS.Timeout | null = null;
  private readonly onChange = (): void => this.schedule();
  private readonly onLeaseGone = (): void => {
    for (const role of this.roles.values()) {
      if (role.kind !== 'leader') continue;
      const { abandon } = role;
      role.abandon = newAbandon(); // for produces after a resumed lease
      abandon.reject(new NotLeaderOrFollowerError(`broker ${this.localId} cannot confirm its lease; ${role.partition.topic}-${role.partition.index} not acknowledged`));
    }
  };
  /** ISR changes this broker made as leader (for the metrics). */
  private isrShrinkCount = 0;
  private isrExpandCount = 0;

  constructor(private readonly opts: ReplicaManagerOptions) {}

  /**
   * For the metrics, at scrape time: ISR shrinks and expands written by this broker as leader
   * since start, and of the partitions it leads, how many have fewer in-sync replicas than
   * replicas (under-replicated) or fewer than min.insync.replicas (acks=all refused).
   */
  replicationStats(): { isrShrinks: number; isrExpands: number; leaders: number; underReplicated: number; underMinIsr: number } {
    let leaders = 0;
    let underReplicated = 0;
    let underMinIsr = 0;
    for (const role of this.roles.values()) {
      if (role.kind !== 'leader') continue;
      leaders++;
      const isr = role.tracker.isr.length;
      if (isr < role.tracker.replicaCount) underReplicated++;
      if (isr < role.minIsr) underMinIsr++;
    }
    return { isrShrinks: this.isrShrinkCount, isrExpands: this.isrExpandCount, leaders, underReplicated, underMinIsr };
  }

  private get localId(): number {
    return this.opts.node.nodeId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.opts.node.view.on('change', this.onChange);
    this.opts.node.on('lease-suspended', this.onLeaseGone);
    this.opts.node.on('lease-lost', this.onLeaseGone);
    this.isrTimer = setInterval(() => this.checkIsr(), ISR_CHECK_MS_MAX);
    this.isrTimer.unref();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.opts.node.view.off('change', this.onChange);
    this.opts.node.off('lease-suspended', this.onLeaseGone);
    this.opts.node.off('lease-lost', this.onLeaseGone);
    if (this.isrTimer) clearInterval(this.isrTimer);
    while (this.syncing) await this.syncing;
    await Promise.all([...this.roles.values()].map((r) => this.stopRole(r)));
    this.roles.clear();
  }

  /** Resolves after a full pass that started after this call (tests). */
  async settle(): Promise<void> {
    this.schedule();
    while (this.syncing) await this.syncing;
  }

  /** What this broker is for the partition now: 'leader', 'follower', 'none', or undefined when not a replica. */
  role(topic: string, partition: number): { kind: Role['kind']; epoch: number; partition: Partition } | undefined {
    const r = this.roles.get(keyOf(topic, partition));
    return r && { kind: r.kind, epoch: r.epoch, partition: r.partition };
  }

  /** The leader's tracker (tests, `cluster info`). */
  tracker(topic: string, partition: number): ReplicaTracker | undefined {
    const r = this.roles.get(keyOf(topic, partition));
    return r?.kind === 'leader' ? r.tracker : undefined;
  }

  // ---- produce ---------------------------------------------------------------------------------

  /**
   * Before produce(): null when every producer id in `records` is known to be issued by the
   * cluster, else a promise that settles once the counter in etcd was read again (so an id
   * issued by another broker a moment ago is accepted and a never-issued one refused).
   */
  confirmProducerIds(records: Buffer): Promise<void> | null {
    return this.opts.producerIds?.confirm(records) ?? null;
  }

  /**
   * Appends as leader. Throws NotLeaderOrFollowerError (retriable) when this broker does not
   * lead the partition or its lease is not valid, NotEnoughReplicasError for acks=all with too
   * small an ISR. The returned promises settle only if the lease is still valid when they do.
   */
  produce(topic: string, partition: number, records: Buffer, acks: Acks): PartitionAppendResult {
    const role = this.leaderRole(topic, partition);
    if (acks === 'all' && !role.tracker.hasMinIsr()) {
      throw new NotEnoughReplicasError(`${topic}-${partition} has ${role.tracker.isr.length} in-sync replicas, min.insync.replicas is ${role.minIsr}`);
    }
    const res = role.partition.appendAsLeader(records, acks);
    const gate = (): void => {
      if (!this.opts.node.leaseValid() || this.roles.get(keyOf(topic, partition)) !== role) {
        throw new NotLeaderOrFollowerError(`${topic}-${partition}: leadership lost before the append was acknowledged`);
      }
    };
    const written = res.written.then(gate);
    const committed = res.committed && Promise.race([res.committed, role.abandon.promise]).then(() => {
      gate();
      if (!role.tracker.hasMinIsr()) throw new NotEnoughReplicasAfterAppendError(`${topic}-${partition} ISR fell below min.insync.replicas ${role.minIsr}`);
    });
    written.catch(() => undefined);
    committed?.catch(() => undefined);
    return { ...res, written, committed };
  }

  /**
   * The local replica if this broker leads it with a valid lease: what consumers read (up to its
   * high watermark). Throws NotLeaderOrFollowerError (retriable) otherwise.
   */
  leaderPartition(topic: string, partition: number): Partition {
    return this.leaderRole(topic, partition).partition;
  }

  private leaderRole(topic: string, partition: number): Extract<Role, { kind: 'leader' }> {
    const role = this.roles.get(keyOf(topic, partition));
    if (role?.kind !== 'leader') throw new NotLeaderOrFollowerError(`broker ${this.localId} does not lead ${topic}-${partition}`);
    if (!this.opts.node.leaseValid()) throw new NotLeaderOrFollowerError(`broker ${this.localId} cannot confirm its lease; not acting as leader of ${topic}-${partition}`);
    return role;
  }

  // ---- leader side of replication --------------------------------------------------------------

  private checkEpoch(topic: string, partition: number, leaderEpoch: number): Extract<Role, { kind: 'leader' }> {
    const role = this.roles.get(keyOf(topic, partition));
    if (role && leaderEpoch > role.epoch) throw new UnknownLeaderEpochError(`${topic}-${partition}: epoch ${leaderEpoch} is newer than this broker's ${role.epoch}`);
    if (role && leaderEpoch < role.epoch) throw new FencedLeaderEpochError(`${topic}-${partition}: epoch ${leaderEpoch} is older than ${role.epoch}`);
    return this.leaderRole(topic, partition);
  }

  /** A follower's fetch: counts its position toward the high watermark, then long-polls for batches past its end. */
  async handleFetch(cmd: ReplicaFetchCommand, signal?: AbortSignal): Promise<ReplicaFetchResult> {
    const role = this.checkEpoch(cmd.topic, cmd.partition, cmd.leaderEpoch);
    const p = role.partition;
    role.tracker.onFollowerFetch(cmd.followerId, cmd.fetchOffset, cmd.ackedEndOffset, Date.now());
    if (cmd.fetchOffset === p.log.writtenEndOffset && cmd.maxWaitMs > 0) await waitForWrite(p, cmd.maxWaitMs, signal);
    if (cmd.fetchOffset === p.log.writtenEndOffset) {
      return { records: new Uint8Array(0), highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset };
    }
    const res = await p.read(cmd.fetchOffset, cmd.maxBytes, 'log-end');
    try {
      // Copy out of the recycled read buffer: the transport may hold the bytes past release().
      return { records: Uint8Array.from(res.records), highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset };
    } finally {
      res.release();
    }
  }

  /** OffsetsForLeaderEpoch, answered by the leader only (UNDEFINED_EPOCH asks for the log range alone). */
  handleEndOffsetForEpoch(cmd: EpochEndOffsetCommand): EpochEndOffsetResult {
    const p = this.checkEpoch(cmd.topic, cmd.partition, cmd.leaderEpoch).partition;
    return { ...p.endOffsetForEpoch(cmd.epoch), logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset };
  }

  // ---- following the partition states ----------------------------------------------------------

  private schedule(): void {
    if (!this.running) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = this.sync().catch((err: unknown) => {
      this.opts.logger.error({ err }, 'replica state sync failed; retrying');
      this.again = true;
    }).finally(() => {
      this.syncing = null;
      if (this.again && this.running) {
        this.again = false;
        setTimeout(() => this.schedule(), 0);
      }
    });
  }

  private async sync(): Promise<void> {
    const { view } = this.opts.node;
    const seen = new Set<string>();
    for (const [topic, { value: t }] of view.topics) {
      for (let p = 0; p < t.partitions; p++) {
        const state = view.partition(topic, p)?.value;
        if (!state || !state.replicas.includes(this.localId)) continue;
        const key = keyOf(topic, p);
        seen.add(key);
        await this.apply(topic, p, state, t.minInsyncReplicas);
      }
    }
    for (const [key, role] of [...this.roles]) {
      if (seen.has(key)) continue;
      await this.stopRole(role);
      this.roles.delete(key);
      this.notify(role.partition.topic, role.partition.index, { kind: 'gone', epoch: role.epoch, partition: null });
    }
    for (const topic of [...this.topicsHere]) {
      if (view.topics.has(topic)) continue;
      this.topicsHere.delete(topic);
      await this.opts.local.deleteTopic(topic);
      this.opts.logger.info({ topic }, 'deleted local replicas of a deleted topic');
    }
  }

  private async apply(topic: string, index: number, state: PartitionState, minIsr: number): Promise<void> {
    const key = keyOf(topic, index);
    const cur = this.roles.get(key);
    const me = this.localId;
    const want: Role['kind'] = state.leader === me ? 'leader' : state.leader === NO_LEADER ? 'none' : 'follower';
    if (cur && cur.epoch === state.leaderEpoch && cur.kind === want) {
      if (cur.kind === 'leader') cur.tracker.setIsr(state.isr);
      return;
    }
    if (cur) await this.stopRole(cur);
    this.topicsHere.add(topic);
    const partition = cur?.partition ?? await this.opts.local.open(topic, index);
    const log = this.opts.logger.child({ topic, partition: index });
    let role: Role;
    if (want === 'leader') {
      await partition.makeLeader(state.leaderEpoch);
      const tracker = new ReplicaTracker({
        partition, localId: me, replicas: state.replicas, isr: state.isr, minInsyncReplicas: minIsr,
        countDurableOnly: partition.log.config.flushPolicy === 'always', nowMs: Date.now(),
      });
      tracker.start();
      role = { kind: 'leader', epoch: state.leaderEpoch, partition, tracker, isrUpdating: false, minIsr, abandon: newAbandon() };
    } else if (want === 'follower') {
      const fetcher = new ReplicaFetcher({ partition, localId: me, leaderId: state.leader, leaderEpoch: state.leaderEpoch, transport: this.opts.transport, logger: log });
      fetcher.start();
      role = { kind: 'follower', epoch: state.leaderEpoch, leaderId: state.leader, partition, fetcher };
    } else {
      partition.setReplicatedHighWatermark(true);
      role = { kind: 'none', epoch: state.leaderEpoch, partition };
    }
    this.roles.set(key, role);
    this.notify(topic, index, { kind: want, epoch: state.leaderEpoch, partition });
    log.info({ role: want, leaderEpoch: state.leaderEpoch, leader: state.leader, isr: state.isr, logEndOffset: partition.logEndOffset }, 'replica role changed');
  }

  private notify(topic: string, index: number, role: { kind: Role['kind'] | 'gone'; epoch: number; partition: Partition | null }): void {
    try {
      this.opts.onRoleChange?.(topic, index, role);
    } catch (err) {
      this.opts.logger.error({ err, topic, partition: index }, 'role change listener failed');
    }
  }

  private async stopRole(role: Role): Promise<void> {
    if (role.kind === 'leader') {
      role.tracker.stop();
      role.abandon.reject(new NotLeaderOrFollowerError(`${role.partition.topic}-${role.partition.index}: leadership moved before the append was acknowledged`));
    }
    else if (role.kind === 'follower') await role.fetcher.stop();
  }

  /** Leaders only: shrink the ISR by followers lagging past replicaLagMs, expand it by caught-up ones. */
  private checkIsr(): void {
    const lagMs = this.opts.replicaLagMs ?? REPLICA_LAG_MS_DEFAULT;
    const now = Date.now();
    const { node } = this.opts;
    if (!node.leaseValid()) return;
    for (const [key, role] of this.roles) {
      if (role.kind !== 'leader' || role.isrUpdating) continue;
      const out = role.tracker.lagging(now, lagMs);
      const back = role.tracker.caughtUp();
      if (out.length === 0 && back.length === 0) continue;
      const isr = [...role.tracker.isr.filter((b) => !out.includes(b)), ...back];
      const [topic, index] = [role.partition.topic, role.partition.index];
      role.isrUpdating = true;
      updateIsr(node.client, node.keys, topic, index, this.localId, role.epoch, isr).then((res) => {
        if (res.ok && this.roles.get(key) === role) {
          role.tracker.setIsr(res.state.isr);
          if (out.length > 0) this.isrShrinkCount++;
          if (back.length > 0) this.isrExpandCount++;
          this.opts.logger.info({ topic, partition: index, isr: res.state.isr, removed: out, added: back }, 'ISR changed');
        }
      }, (err: unknown) => this.opts.logger.warn({ err, topic, partition: index }, 'ISR update failed; retrying')).finally(() => {
        role.isrUpdating = false;
      });
    }
  }
}

/** Resolves when the log's written end moves, after `ms`, or on abort. */
function waitForWrite(p: Partition, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      p.log.off('written', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    p.log.on('written', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
