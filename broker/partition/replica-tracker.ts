/**
 * The leader's view of a replicated partition's followers (Kafka's Replica state on the
 * leader): where each follower's log ends, when it was last caught up, who is in the ISR, and
 * from that the high watermark.
 *
 * High watermark = the minimum, over the ISR, of each member's acknowledged end: the leader's
 * own durable end under flush `always` (written end otherwise), and for a follower the end it
 * reports in its fetches — its durable end under `always`, since a replica counts a batch only
 * once it has fsynced it. So with flush `always`, a record below the high watermark is on the
 * disks of every ISR member, and with min.insync.replicas M an acknowledged record survives the
 * power loss of any M - 1 replicas.
 *
 * Caught up (Kafka's rule, replica.lag.time.max.ms): a fetch at or past the leader's log end
 * makes the follower caught up as of that fetch; a fetch at or past the leader's end at the
 * follower's previous fetch makes it caught up as of that previous fetch. A follower not caught
 * up for `lagMs` is `lagging()`; the partition's ISR shrink and expand go through etcd
 * (isr-updater.ts) and come back here through setIsr() only once committed, so the high
 * watermark never counts on an ISR etcd does not know.
 *
 * Concurrency: event-loop only. recompute() runs inside the log's write and flush events and
 * after each follower fetch.
 */
import type { Partition } from './partition.js';

export interface FollowerPosition {
  /** Next offset the follower will fetch: its written log end. */
  readonly logEndOffset: number;
  /** The end the follower acknowledges: its durable end under flush `always`, its written end otherwise. */
  readonly ackedEndOffset: number;
  readonly lastCaughtUpMs: number;
}

export interface ReplicaTrackerOptions {
  readonly partition: Partition;
  readonly localId: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly minInsyncReplicas: number;
  /** Count only fsynced bytes, the leader's and the followers' (flush policy `always`). */
  readonly countDurableOnly: boolean;
  readonly nowMs: number;
}

interface Follower {
  logEnd: number;
  ackedEnd: number;
  lastCaughtUpMs: number;
  lastFetchMs: number;
  lastFetchLeaderEnd: number;
  /**
   * Whether the follower has fetched since it was last outside the ISR. Only a fetch can bring a
   * follower back (Kafka expands the ISR in the fetch path): a follower that died at the end of
   * the log still looks caught up from its last fetch, and re-adding it after the controller
   * removed it flapped the ISR every check and held the high watermark at a dead replica.
   */
  fetchedSinceOut: boolean;
}

export class ReplicaTracker {
  private readonly partition: Partition;
  private readonly followers = new Map<number, Follower>();
  private isrSet: Set<number>;
  private readonly onLocal = (): void => { this.recompute(); };
  private started = false;

  constructor(private readonly opts: ReplicaTrackerOptions) {
    this.partition = opts.partition;
    this.isrSet = new Set(opts.isr);
    for (const id of opts.replicas) {
      if (id === opts.localId) continue;
      // A new leader gives every follower a fresh lag window (as Kafka does on election).
      this.followers.set(id, { logEnd: -1, ackedEnd: -1, lastCaughtUpMs: opts.nowMs, lastFetchMs: opts.nowMs, lastFetchLeaderEnd: -1, fetchedSinceOut: false });
    }
  }

  /** Takes over the partition's high watermark. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.partition.setReplicatedHighWatermark(true);
    this.partition.log.on(this.opts.countDurableOnly ? 'durable' : 'written', this.onLocal);
    this.recompute();
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.partition.log.off(this.opts.countDurableOnly ? 'durable' : 'written', this.onLocal);
  }

  /** Replicas assigned to the partition, the leader included (for the under-replicated count). */
  get replicaCount(): number {
    return this.opts.replicas.length;
  }

  get isr(): readonly number[] {
    return this.opts.replicas.filter((b) => this.isrSet.has(b));
  }

  get minInsyncReplicas(): number {
    return this.opts.minInsyncReplicas;
  }

  /** acks=all may be accepted: the ISR has at least min.insync.replicas members. */
  hasMinIsr(): boolean {
    return this.isrSet.size >= this.opts.minInsyncReplicas;
  }

  follower(id: number): FollowerPosition | undefined {
    const f = this.followers.get(id);
    return f ? { logEndOffset: f.logEnd, ackedEndOffset: f.ackedEnd, lastCaughtUpMs: f.lastCaughtUpMs } : undefined;
  }

  /**
   * A follower fetched from `logEndOffset` and reports `ackedEndOffset` as held (durable under
   * `always`). Returns false for a broker that is not a follower of this partition.
   */
  onFollowerFetch(id: number, logEndOffset: number, ackedEndOffset: number, nowMs: number): boolean {
    const f = this.followers.get(id);
    if (!f) return false;
    const leaderEnd = this.partition.log.logEndOffset;
    if (logEndOffset >= leaderEnd) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
    else if (f.lastFetchLeaderEnd >= 0 && logEndOffset >= f.lastFetchLeaderEnd) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.lastFetchLeaderEnd = leaderEnd;
    f.lastFetchMs = nowMs;
    f.logEnd = logEndOffset;
    f.ackedEnd = Math.min(ackedEndOffset, logEndOffset);
    f.fetchedSinceOut = true;
    this.recompute();
    return true;
  }

  /** The ISR committed in etcd (after this leader's own change or the controller's). */
  setIsr(isr: readonly number[]): void {
    this.isrSet = new Set(isr);
    for (const [id, f] of this.followers) if (!this.isrSet.has(id)) f.fetchedSinceOut = false;
    this.recompute();
  }

  /** ISR followers not caught up for more than `lagMs`: to be removed from the ISR. */
  lagging(nowMs: number, lagMs: number): number[] {
    const out: number[] = [];
    for (const [id, f] of this.followers) if (this.isrSet.has(id) && nowMs - f.lastCaughtUpMs > lagMs) out.push(id);
    return out;
  }

  /**
   * Followers outside the ISR that hold everything committed, from the current leader epoch's
   * start on (Kafka's rule: an ISR member must have the current epoch's data), as shown by a
   * fetch made since they left it: to be added.
   */
  caughtUp(): number[] {
    const hw = this.partition.highWatermark;
    const epochStart = this.partition.epochEntries().at(-1)?.startOffset ?? 0;
    const out: number[] = [];
    for (const [id, f] of this.followers) {
      if (!this.isrSet.has(id) && f.fetchedSinceOut && f.logEnd >= hw && f.logEnd >= epochStart && f.logEnd >= 0) out.push(id);
    }
    return out;
  }

  /** The high watermark the ISR supports now; moves the partition's forward if it grew. */
  recompute(): number {
    const log = this.partition.log;
    let hw = this.opts.countDurableOnly ? log.durableEndOffset : log.writtenEndOffset;
    for (const [id, f] of this.followers) if (this.isrSet.has(id)) hw = Math.min(hw, f.ackedEnd);
    if (this.started && hw >= 0) this.partition.updateHighWatermark(hw);
    return hw;
  }
}
