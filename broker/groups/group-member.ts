/**
 * One member of a consumer group as the coordinator sees it: its subscription, its timeouts,
 * what it was assigned in the current generation, what it still owns (cooperative members keep
 * partitions until they report them revoked), and the long polls it has parked (a JoinGroup
 * waiting for the rebalance to complete, a Heartbeat waiting to be told to rejoin).
 *
 * Liveness: a member with a JoinGroup parked is alive (the round it waits for is bounded by the
 * rebalance timeout). Otherwise it must be heard from within sessionTimeoutMs of its last
 * contact, or `onExpired` fires. A parked heartbeat extends that by its own wait, rather than
 * stopping the clock: a peer that vanished without its socket closing (no FIN) is still
 * evicted, sessionTimeoutMs after the broker answered the heartbeat into the void.
 *
 * Concurrency: owned by its Group; single-threaded, no method awaits.
 */
import type { StrategyName, PartitionKey, TopicPartition } from './assignor.js';

export interface MemberSettings {
  clientId: string;
  topics: readonly string[];
  strategy: StrategyName;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /**
   * Static membership (KIP-345): the member's stable instance id, unique in the group. A new
   * member id joining with it takes this member's place and partitions without a rebalance.
   */
  groupInstanceId?: string;
  /** Set for a member that joined over the Kafka protocol; DescribeGroups returns it. */
  kafka?: KafkaMemberInfo;
}

/**
 * What a Kafka-protocol member sent with its JoinGroup: the name of the protocol (assignor) the
 * group runs for it, its ConsumerProtocolSubscription bytes as sent, and where it connects from.
 */
export interface KafkaMemberInfo {
  readonly protocolName: string;
  readonly metadata: Buffer;
  readonly clientHost: string;
}

/** A parked JoinGroup: settled once, by the rebalance completing or by the member going away. */
export interface PendingJoin {
  resolve(result: JoinOutcome): void;
  reject(err: Error): void;
}

export interface JoinOutcome {
  memberId: string;
  generationId: number;
  strategy: StrategyName;
  assignment: TopicPartition[];
  memberCount: number;
  revocationsPending: boolean;
}

export interface PendingHeartbeat {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class GroupMember {
  settings: MemberSettings;
  /** The current generation's assignment, sorted. */
  assignment: TopicPartition[] = [];
  /** Partitions the member may still be consuming: its assignment plus any not yet revoked. */
  owned = new Set<PartitionKey>();
  /** Rejoined during the current rebalance round. */
  joined = false;
  /** Still waiting for its first JoinGroup answer: nobody outside knows its id yet. */
  isNew = true;
  pendingJoin: PendingJoin | null = null;
  pendingHeartbeat: PendingHeartbeat | null = null;
  private sessionTimer: NodeJS.Timeout | null = null;

  constructor(readonly memberId: string, settings: MemberSettings, private readonly onExpired: (m: GroupMember) => void) {
    this.settings = settings;
  }

  /**
   * Restarts the session clock from now: it fires after sessionTimeoutMs + `extraMs` unless the
   * member is heard from again. No-op while a JoinGroup is parked.
   */
  touch(extraMs = 0): void {
    if (this.pendingJoin) return;
    this.stopSession();
    this.sessionTimer = setTimeout(() => {
      this.sessionTimer = null;
      this.onExpired(this);
    }, this.settings.sessionTimeoutMs + extraMs);
    this.sessionTimer.unref();
  }

  stopSession(): void {
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    this.sessionTimer = null;
  }

  /** Answers a parked heartbeat (or fails it with `err`) and restarts the session clock. */
  settleHeartbeat(err?: Error): void {
    const hb = this.pendingHeartbeat;
    if (!hb) return;
    this.pendingHeartbeat = null;
    clearTimeout(hb.timer);
    if (err) hb.reject(err);
    else hb.resolve();
    this.touch();
  }

  /** Answers a parked join and restarts the session clock. */
  settleJoin(outcome: JoinOutcome | Error): void {
    const join = this.pendingJoin;
    if (!join) return;
    this.pendingJoin = null;
    if (outcome instanceof Error) join.reject(outcome);
    else join.resolve(outcome);
    this.touch();
  }

  /** Fails whatever is parked and stops the clock: the member is leaving the group. */
  dispose(err: Error): void {
    this.stopSession();
    const join = this.pendingJoin;
    const hb = this.pendingHeartbeat;
    this.pendingJoin = null;
    this.pendingHeartbeat = null;
    if (hb) {
      clearTimeout(hb.timer);
      hb.reject(err);
    }
    join?.reject(err);
  }
}
