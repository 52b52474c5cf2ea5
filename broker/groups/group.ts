/**
 * One consumer group's membership state machine: who is in it, which generation it is in, and
 * who consumes what. The broker assigns partitions itself (assignor.ts), so the classic
 * JoinGroup/SyncGroup pair collapses into one long-polled JoinGroup.
 *
 * States:
 *   empty        no members (committed offsets may exist; they live in the OffsetStore)
 *   rebalancing  a round is open: every member must (re)join; parked heartbeats are answered
 *                with RebalanceInProgressError so members learn it within a round trip
 *   stable       generation `generationId` is in force; heartbeats are parked long polls
 *
 * A round opens when a member joins (new, or an existing one asking for a rebalance), leaves,
 * is evicted (session expired), or when a subscribed topic's partition count changes. It
 * completes as soon as every member has rejoined - after `initialRebalanceDelayMs` for a group
 * that was empty, so members started together share one generation - or after the largest
 * rebalance timeout, evicting those that did not rejoin. Completion bumps the generation, runs
 * the assignor and answers every parked JoinGroup with that member's partitions.
 *
 * Fencing: OffsetCommit must carry the current generation and a known member id
 * (IllegalGenerationError / UnknownMemberIdError otherwise), and may not touch a partition
 * assigned to another member; so a member that missed a rebalance cannot overwrite the offsets
 * of the partition's new owner.
 *
 * Incremental cooperative rebalancing (cooperative-sticky): members rejoin reporting the
 * partitions they still own and keep consuming them. A partition the assignor moves from x to
 * m is withheld from m while x still owns it; x sees it missing from its new assignment,
 * revokes it (committing first) and rejoins, which the group awaits in a follow-up round it
 * opens at once; that round hands the partition to m. Partitions that do not move are never
 * revoked. The follow-up round feeds the first round's target back as ownership, so it reaches
 * the same target (the sticky assignor's output is a fixed point) and the sequence ends.
 *
 * Durability: every stable generation is reported through `onStable`; the coordinator writes
 * snapshot() to the offsets log, and the next coordinator rebuilds the group with restore()
 * (stable, same generation, members with fresh session clocks). Fenced ids are not kept.
 *
 * Concurrency: single-threaded; every state change happens synchronously inside one call or
 * timer callback, so no two transitions interleave. Long polls settle through GroupMember.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  ConnectionClosedError, FencedInstanceIdError, IllegalGenerationError, InvalidConfigError, LimitExceededError, RebalanceInProgressError,
  UnknownMemberIdError, type StrataError,
} from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { GROUP_PROTOCOL_TYPE_CONSUMER, type GroupMetadataValue } from '../../proto/group-metadata-record.js';
import {
  checkAssignment, isStrategyName, parsePartitionKey, partitionKey, type AssignorMember, type PartitionKey,
  type StrategyName, type TopicPartition,
} from './assignor.js';
import { assignorFor } from './assignors.js';
import { FENCED_MEMBER_IDS_MAX, GROUP_MEMBERS_MAX } from './constants.js';
import { GroupMember, type JoinOutcome, type KafkaMemberInfo, type MemberSettings } from './group-member.js';

export type GroupState = 'empty' | 'rebalancing' | 'stable';

export interface GroupOptions {
  /** Join window of a round that starts from an empty group. */
  initialRebalanceDelayMs: number;
  /** Partitions of an existing topic, undefined if it does not exist. */
  partitionCount(topic: string): number | undefined;
  logger: Logger;
  /** The group lost its last member. */
  onEmpty?(group: Group): void;
  /**
   * A new stable generation is in force, or a static member took its old place in the current
   * one: the membership the next coordinator should restore (see snapshot()).
   */
  onStable?(group: Group): void;
}

export interface JoinRequest {
  /** '' for a new member. */
  memberId: string;
  settings: MemberSettings;
  /** Partitions the member still consumes (cooperative); eager members send none. */
  owned: readonly TopicPartition[];
}

export interface MemberDescription {
  memberId: string;
  clientId: string;
  topics: readonly string[];
  assignment: TopicPartition[];
  /** Present for members that joined over the Kafka protocol. */
  kafka?: KafkaMemberInfo;
}

/** Member ids are `<clientId prefix>-<uuid>`; the prefix only helps humans reading logs. */
const MEMBER_ID_PREFIX_CHARS_MAX = 64;

export class Group {
  state: GroupState = 'empty';
  generationId = 0;
  strategy: StrategyName | null = null;
  readonly members = new Map<string, GroupMember>();
  /** partition → member, for the current generation's assignment. */
  private readonly assignedTo = new Map<PartitionKey, string>();
  /** Partition counts the current generation was computed from, to notice topic changes. */
  private countsUsed = new Map<string, number>();
  /** Partitions withheld in the last round, and who the assignor meant them for. */
  private intended = new Map<PartitionKey, string>();
  private rebalanceTimer: NodeJS.Timeout | null = null;
  private initialDelayTimer: NodeJS.Timeout | null = null;
  private roundStartedAtMs = 0;
  private roundDeadlineMs = 0;
  private roundReason = '';
  /** Static membership: group instance id → the member id that currently holds it. */
  private readonly instances = new Map<string, string>();
  /** Member ids replaced by a newer member with their instance id (insertion order = age). */
  private readonly fenced = new Set<string>();

  /** A group-metadata record of this group is (or may be) in the offsets log: its emptying writes a tombstone. */
  persisted = false;

  constructor(readonly groupId: string, private readonly opts: GroupOptions) {}

  /**
   * The group as a coordinator left it in its last group-metadata record: stable in its
   * generation, every member with its subscription and assignment. Each member's session clock
   * starts now, so a member that died with the old coordinator is evicted after its session
   * timeout (then the group rebalances as it would have). Null when the record cannot be
   * restored (no members, or a strategy this build does not know): the group starts afresh.
   */
  static restore(groupId: string, opts: GroupOptions, record: GroupMetadataValue): Group | null {
    if (record.protocolType !== GROUP_PROTOCOL_TYPE_CONSUMER || !isStrategyName(record.protocolName) || record.members.length === 0) return null;
    const strategy = record.protocolName;
    const g = new Group(groupId, opts);
    g.state = 'stable';
    g.generationId = record.generation;
    g.strategy = strategy;
    g.persisted = true;
    for (const r of record.members) {
      const settings: MemberSettings = {
        clientId: r.clientId, topics: r.topics, strategy, sessionTimeoutMs: r.sessionTimeoutMs, rebalanceTimeoutMs: r.rebalanceTimeoutMs,
        ...(r.groupInstanceId !== undefined ? { groupInstanceId: r.groupInstanceId } : {}),
        ...(r.kafka ? { kafka: { protocolName: r.kafka.protocolName, metadata: r.kafka.metadata, clientHost: r.clientHost } } : {}),
      };
      const m = new GroupMember(r.memberId, settings, (x) => g.onSessionExpired(x));
      m.assignment = [...r.assignment].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
      m.isNew = false;
      m.joined = true;
      for (const tp of m.assignment) {
        const key = partitionKey(tp.topic, tp.partition);
        m.owned.add(key);
        g.assignedTo.set(key, m.memberId);
        // A stable generation assigns every partition of every subscribed topic, so the highest
        // partition assigned tells the count the generation was computed from.
        g.countsUsed.set(tp.topic, Math.max(g.countsUsed.get(tp.topic) ?? 0, tp.partition + 1));
      }
      g.members.set(m.memberId, m);
      if (r.groupInstanceId !== undefined) g.instances.set(r.groupInstanceId, m.memberId);
      m.touch();
    }
    return g;
  }

  /** The membership of the current stable generation, as a group-metadata record holds it. */
  snapshot(nowMs: number): GroupMetadataValue {
    assert.ok(this.state === 'stable' && this.strategy !== null, 'only a stable generation is written down');
    return {
      protocolType: GROUP_PROTOCOL_TYPE_CONSUMER,
      generation: this.generationId,
      protocolName: this.strategy,
      leader: '',
      writtenAtMs: nowMs,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, clientId: m.settings.clientId, clientHost: m.settings.kafka?.clientHost ?? '',
        sessionTimeoutMs: m.settings.sessionTimeoutMs, rebalanceTimeoutMs: m.settings.rebalanceTimeoutMs,
        topics: m.settings.topics, assignment: m.assignment,
        ...(m.settings.groupInstanceId !== undefined ? { groupInstanceId: m.settings.groupInstanceId } : {}),
        ...(m.settings.kafka ? { kafka: { protocolName: m.settings.kafka.protocolName, metadata: m.settings.kafka.metadata } } : {}),
      })),
    };
  }

  /** Long poll: resolves with this member's share once the round completes. */
  join(req: JoinRequest, signal?: AbortSignal): Promise<JoinOutcome> {
    if (signal?.aborted) return Promise.reject(new ConnectionClosedError('connection closed before the join was handled'));
    let member: GroupMember;
    const instanceId = req.settings.groupInstanceId;
    const holder = instanceId !== undefined ? this.members.get(this.instances.get(instanceId) ?? '') : undefined;
    if (req.memberId !== '' && this.fenced.has(req.memberId)) throw this.fencedError(req.memberId);
    if (holder && req.memberId !== holder.memberId) {
      if (req.memberId !== '') throw new FencedInstanceIdError(`instance ${instanceId} of group ${this.groupId} is held by another member id`);
      this.checkStrategy(req.settings.strategy, holder);
      const replacement = this.replaceStatic(holder, req.settings);
      const sameSubscription = sameTopics(holder.settings.topics, req.settings.topics);
      if (this.state === 'stable' && sameSubscription && req.settings.strategy === this.strategy) {
        // KIP-345: the restarted instance gets its partitions back in the current generation;
        // the other members are not asked to rejoin.
        this.opts.logger.info({ group: this.groupId, instance: instanceId, member: replacement.memberId, replaced: holder.memberId }, 'static member rejoined');
        replacement.isNew = false;
        replacement.touch();
        this.opts.onStable?.(this);
        return Promise.resolve({
          memberId: replacement.memberId, generationId: this.generationId, strategy: this.strategy!, assignment: replacement.assignment,
          memberCount: this.members.size, revocationsPending: this.intended.size > 0,
        });
      }
      member = replacement;
      // It joins the open round as the old member would, owning only what it reports.
      const reported = new Set(req.owned.map((tp) => partitionKey(tp.topic, tp.partition)));
      member.owned = new Set([...member.owned].filter((k) => reported.has(k)));
    } else if (req.memberId === '') {
      if (this.members.size >= GROUP_MEMBERS_MAX) throw new LimitExceededError(`group ${this.groupId} has its maximum of ${GROUP_MEMBERS_MAX} members`);
      this.checkStrategy(req.settings.strategy, null);
      const prefix = req.settings.clientId.replace(/[^\w.-]/g, '').slice(0, MEMBER_ID_PREFIX_CHARS_MAX) || 'member';
      member = new GroupMember(`${prefix}-${randomUUID()}`, req.settings, (m) => this.onSessionExpired(m));
      this.members.set(member.memberId, member);
      if (instanceId !== undefined) this.instances.set(instanceId, member.memberId);
    } else {
      const known = this.members.get(req.memberId);
      if (!known) throw new UnknownMemberIdError(`member ${req.memberId} is not in group ${this.groupId}`);
      if (known.settings.groupInstanceId !== instanceId) {
        throw new FencedInstanceIdError(`member ${req.memberId} joined with instance id ${known.settings.groupInstanceId ?? '(none)'}, not ${instanceId ?? '(none)'}`);
      }
      this.checkStrategy(req.settings.strategy, known);
      if (this.state === 'stable' && sameTopics(known.settings.topics, req.settings.topics) && req.settings.strategy === this.strategy
        && !this.partitionCountsChanged()) {
        // Kafka's answer to a known member rejoining a stable group with nothing changed: the
        // current generation, no rebalance. Kafka clients rejoin this way after NOT_COORDINATOR
        // (kafkajs does), so a coordinator move costs them no rebalance either. (Kafka makes an
        // exception for the leader, whose rejoin means "assign again"; here the broker assigns.)
        known.settings = req.settings;
        known.settleHeartbeat();
        for (const tp of known.assignment) known.owned.add(partitionKey(tp.topic, tp.partition));
        known.touch();
        return Promise.resolve({
          memberId: known.memberId, generationId: this.generationId, strategy: this.strategy!, assignment: known.assignment,
          memberCount: this.members.size, revocationsPending: false,
        });
      }
      member = known;
      member.settings = req.settings;
      // A member can only give partitions back, never claim ones it was not given.
      const reported = new Set(req.owned.map((tp) => partitionKey(tp.topic, tp.partition)));
      member.owned = new Set([...member.owned].filter((k) => reported.has(k)));
    }
    this.strategy = req.settings.strategy;

    if (this.state === 'empty') this.openRound(`member ${member.memberId} joined an empty group`, true);
    else if (this.state === 'stable') this.openRound(`member ${member.memberId} joined`, false);
    else if (member.isNew) this.extendInitialDelay();

    member.settleJoin(new RebalanceInProgressError('superseded by a newer JoinGroup of the same member'));
    member.settleHeartbeat();
    member.joined = true;
    const promise = new Promise<JoinOutcome>((resolve, reject) => {
      const onAbort = (): void => this.onJoinAborted(member);
      signal?.addEventListener('abort', onAbort, { once: true });
      member.pendingJoin = {
        resolve: (r) => { signal?.removeEventListener('abort', onAbort); resolve(r); },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e); },
      };
    });
    member.stopSession();
    this.tryComplete();
    return promise;
  }

  /**
   * Long poll: resolves after `maxWaitMs` if nothing happened; rejects at once with
   * RebalanceInProgressError when the member must rejoin, IllegalGenerationError when it is
   * behind, UnknownMemberIdError when it is not (or no longer) a member.
   */
  heartbeat(memberId: string, generationId: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const member = this.members.get(memberId);
    if (!member) return Promise.reject(this.unknownMember(memberId));
    if (this.state === 'rebalancing') {
      member.touch();
      if (member.joined) return Promise.resolve(); // its JoinGroup is parked; nothing to say
      return Promise.reject(new RebalanceInProgressError(`group ${this.groupId} is rebalancing; rejoin`));
    }
    if (generationId !== this.generationId) {
      member.touch();
      return Promise.reject(new IllegalGenerationError(`generation ${generationId} is stale; group ${this.groupId} is at ${this.generationId}`));
    }
    if (this.partitionCountsChanged()) {
      this.openRound('partition count of a subscribed topic changed', false);
      return Promise.reject(new RebalanceInProgressError(`group ${this.groupId} is rebalancing; rejoin`));
    }
    member.settleHeartbeat();
    // At most half the session: the clock runs on (extended by the wait) while parked, and the
    // answer must reach the member well before it.
    const waitMs = Math.min(maxWaitMs, Math.floor(member.settings.sessionTimeoutMs / 2));
    if (waitMs <= 0 || signal?.aborted) {
      member.touch();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => member.settleHeartbeat(new ConnectionClosedError('connection closed'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => member.settleHeartbeat(), waitMs);
      member.pendingHeartbeat = {
        resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); },
        reject: (e) => { signal?.removeEventListener('abort', onAbort); reject(e); },
        timer,
      };
      member.touch(waitMs);
    });
  }

  /**
   * A Kafka member's SyncGroup: its share of the generation its JoinGroup was answered with.
   * The broker assigned it already when the round completed (there is no leader assignment to
   * wait for), so this only checks the member is still in that generation.
   */
  syncAssignment(memberId: string, generationId: number): TopicPartition[] {
    const member = this.members.get(memberId);
    if (!member) throw this.unknownMember(memberId);
    member.touch();
    if (this.state === 'rebalancing') throw new RebalanceInProgressError(`group ${this.groupId} is rebalancing; rejoin`);
    if (generationId !== this.generationId) {
      throw new IllegalGenerationError(`generation ${generationId} is stale; group ${this.groupId} is at ${this.generationId}`);
    }
    return member.assignment;
  }

  leave(memberId: string): void {
    const member = this.members.get(memberId);
    if (!member) throw this.unknownMember(memberId);
    this.removeMember(member, new UnknownMemberIdError('member left the group'), `member ${memberId} left`);
  }

  /**
   * Throws unless a commit from (memberId, generationId) may proceed. An empty member id with
   * a negative generation is a commit from outside the membership, allowed while the group has
   * no members (a standalone consumer, or an admin tool).
   */
  validateCommit(memberId: string, generationId: number): void {
    if (memberId === '' && generationId < 0) {
      if (this.members.size > 0) throw new UnknownMemberIdError(`group ${this.groupId} has active members; commit as one of them`);
      return;
    }
    const member = this.members.get(memberId);
    if (!member) throw this.unknownMember(memberId);
    if (generationId !== this.generationId) {
      throw new IllegalGenerationError(`generation ${generationId} is stale; group ${this.groupId} is at ${this.generationId}`);
    }
    member.touch();
  }

  /** The member the current generation assigns the partition to, if any. */
  ownerOf(topic: string, partition: number): string | undefined {
    return this.assignedTo.get(partitionKey(topic, partition));
  }

  /** Every topic some member subscribes to. */
  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.settings.topics) out.add(t);
    return out;
  }

  describeMembers(): MemberDescription[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId, clientId: m.settings.clientId, topics: m.settings.topics, assignment: m.assignment,
      ...(m.settings.kafka ? { kafka: m.settings.kafka } : {}),
    }));
  }

  /** Fails every parked request and stops every timer (broker shutdown, group deletion). */
  close(err: StrataError): void {
    this.clearRoundTimers();
    for (const m of this.members.values()) m.dispose(err);
    this.members.clear();
    this.assignedTo.clear();
    this.state = 'empty';
  }

  // ---- rounds ------------------------------------------------------------------------------

  private openRound(reason: string, fromEmpty: boolean): void {
    this.clearRoundTimers();
    this.state = 'rebalancing';
    this.roundReason = reason;
    this.roundStartedAtMs = Date.now();
    for (const m of this.members.values()) {
      m.joined = false;
      m.settleHeartbeat(new RebalanceInProgressError(`group ${this.groupId} is rebalancing; rejoin`));
    }
    let timeoutMs = 0;
    for (const m of this.members.values()) timeoutMs = Math.max(timeoutMs, m.settings.rebalanceTimeoutMs);
    this.roundDeadlineMs = this.roundStartedAtMs + timeoutMs;
    this.rebalanceTimer = setTimeout(() => this.onRoundTimeout(), timeoutMs);
    this.rebalanceTimer.unref();
    if (fromEmpty && this.opts.initialRebalanceDelayMs > 0) this.startInitialDelay();
    this.opts.logger.debug({ group: this.groupId, reason, members: this.members.size }, 'rebalance started');
  }

  private startInitialDelay(): void {
    if (this.initialDelayTimer) clearTimeout(this.initialDelayTimer);
    const delayMs = Math.min(this.opts.initialRebalanceDelayMs, Math.max(0, this.roundDeadlineMs - Date.now()));
    this.initialDelayTimer = setTimeout(() => {
      this.initialDelayTimer = null;
      this.tryComplete();
    }, delayMs);
    this.initialDelayTimer.unref();
  }

  /** Another member arrived while the initial window is open: keep it open a little longer. */
  private extendInitialDelay(): void {
    if (this.initialDelayTimer) this.startInitialDelay();
  }

  private tryComplete(): void {
    if (this.state !== 'rebalancing' || this.initialDelayTimer) return;
    if (this.members.size === 0) {
      this.becomeEmpty();
      return;
    }
    for (const m of this.members.values()) if (!m.joined) return;
    this.completeRound();
  }

  private onRoundTimeout(): void {
    this.rebalanceTimer = null;
    if (this.initialDelayTimer) clearTimeout(this.initialDelayTimer);
    this.initialDelayTimer = null;
    const missing = [...this.members.values()].filter((m) => !m.joined);
    for (const m of missing) {
      this.members.delete(m.memberId);
      this.forgetAssignment(m);
      m.dispose(new UnknownMemberIdError(`member did not rejoin group ${this.groupId} within the rebalance timeout`));
    }
    if (missing.length > 0) this.opts.logger.info({ group: this.groupId, evicted: missing.map((m) => m.memberId) }, 'members evicted: did not rejoin in time');
    this.tryComplete();
  }

  private completeRound(): void {
    this.clearRoundTimers();
    const strategy = this.strategy;
    assert.ok(strategy !== null, 'a group with members has a strategy');
    this.generationId++;

    const counts = new Map<string, number>();
    for (const t of this.subscribedTopics()) {
      const n = this.opts.partitionCount(t);
      if (n !== undefined && n > 0) counts.set(t, n);
    }
    const input: AssignorMember[] = [...this.members.values()].map((m) => {
      const claims = new Set(m.owned);
      for (const [key, id] of this.intended) if (id === m.memberId) claims.add(key);
      return { memberId: m.memberId, topics: m.settings.topics, owned: [...claims].map(parsePartitionKey) };
    });
    const target = assignorFor(strategy).assign(input, counts);
    checkAssignment(input, counts, target);

    // A partition still owned by another member is withheld until that member revokes it.
    const ownerNow = new Map<PartitionKey, string>();
    for (const m of this.members.values()) for (const key of m.owned) ownerNow.set(key, m.memberId);
    this.assignedTo.clear();
    this.intended = new Map();
    for (const [memberId, list] of target) {
      const m = this.members.get(memberId)!;
      m.assignment = list.filter((tp) => {
        const key = partitionKey(tp.topic, tp.partition);
        const owner = ownerNow.get(key);
        if (owner !== undefined && owner !== memberId) {
          this.intended.set(key, memberId);
          return false;
        }
        return true;
      });
      for (const tp of m.assignment) {
        const key = partitionKey(tp.topic, tp.partition);
        this.assignedTo.set(key, memberId);
        m.owned.add(key);
      }
    }
    this.countsUsed = counts;
    this.state = 'stable';
    const revocationsPending = this.intended.size > 0;
    this.opts.logger.info({
      group: this.groupId, generation: this.generationId, members: this.members.size, strategy,
      durationMs: Date.now() - this.roundStartedAtMs, reason: this.roundReason, withheld: this.intended.size,
    }, 'rebalance completed');
    for (const m of this.members.values()) {
      m.isNew = false;
      m.settleJoin({
        memberId: m.memberId, generationId: this.generationId, strategy, assignment: m.assignment,
        memberCount: this.members.size, revocationsPending,
      });
    }
    if (revocationsPending) this.openRound('partitions withheld until their owners revoke them', false);
    else this.opts.onStable?.(this);
  }

  private becomeEmpty(): void {
    this.clearRoundTimers();
    this.state = 'empty';
    this.strategy = null;
    this.assignedTo.clear();
    this.intended = new Map();
    this.countsUsed = new Map();
    this.opts.onEmpty?.(this);
  }

  private clearRoundTimers(): void {
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    if (this.initialDelayTimer) clearTimeout(this.initialDelayTimer);
    this.rebalanceTimer = null;
    this.initialDelayTimer = null;
  }

  // ---- members -----------------------------------------------------------------------------

  private removeMember(member: GroupMember, err: StrataError, reason: string): void {
    this.members.delete(member.memberId);
    const instanceId = member.settings.groupInstanceId;
    if (instanceId !== undefined && this.instances.get(instanceId) === member.memberId) this.instances.delete(instanceId);
    this.forgetAssignment(member);
    member.dispose(err);
    if (this.members.size === 0) this.becomeEmpty();
    else if (this.state === 'stable') this.openRound(reason, false);
    else this.tryComplete();
  }

  /**
   * A new member id takes over a static member's place: its assignment, what it owns, its part in
   * an open round. The old id is fenced: its parked requests fail, and so does any later one.
   */
  private replaceStatic(old: GroupMember, settings: MemberSettings): GroupMember {
    const prefix = settings.clientId.replace(/[^\w.-]/g, '').slice(0, MEMBER_ID_PREFIX_CHARS_MAX) || 'member';
    const next = new GroupMember(`${prefix}-${randomUUID()}`, settings, (m) => this.onSessionExpired(m));
    next.assignment = old.assignment;
    next.owned = old.owned;
    next.isNew = old.isNew;
    this.members.delete(old.memberId);
    this.members.set(next.memberId, next);
    this.instances.set(settings.groupInstanceId!, next.memberId);
    for (const tp of next.assignment) {
      const key = partitionKey(tp.topic, tp.partition);
      if (this.assignedTo.get(key) === old.memberId) this.assignedTo.set(key, next.memberId);
    }
    for (const [key, id] of this.intended) if (id === old.memberId) this.intended.set(key, next.memberId);
    this.fenced.add(old.memberId);
    if (this.fenced.size > FENCED_MEMBER_IDS_MAX) this.fenced.delete(this.fenced.values().next().value!);
    old.dispose(this.fencedError(old.memberId));
    return next;
  }

  private fencedError(memberId: string): FencedInstanceIdError {
    return new FencedInstanceIdError(`member ${memberId} of group ${this.groupId} was replaced by a newer member with its group instance id`);
  }

  private unknownMember(memberId: string): StrataError {
    if (this.fenced.has(memberId)) return this.fencedError(memberId);
    return new UnknownMemberIdError(`member ${memberId} is not in group ${this.groupId}`);
  }

  private forgetAssignment(member: GroupMember): void {
    for (const tp of member.assignment) {
      const key = partitionKey(tp.topic, tp.partition);
      if (this.assignedTo.get(key) === member.memberId) this.assignedTo.delete(key);
    }
    for (const [key, id] of this.intended) if (id === member.memberId) this.intended.delete(key);
  }

  private onSessionExpired(member: GroupMember): void {
    if (this.members.get(member.memberId) !== member) return;
    this.opts.logger.info({ group: this.groupId, member: member.memberId, sessionTimeoutMs: member.settings.sessionTimeoutMs }, 'member session expired');
    this.removeMember(member, new UnknownMemberIdError('session expired'), `member ${member.memberId} session expired`);
  }

  /** The connection carrying a parked JoinGroup closed. */
  private onJoinAborted(member: GroupMember): void {
    const join = member.pendingJoin;
    if (this.members.get(member.memberId) !== member || !join) return;
    member.pendingJoin = null;
    join.reject(new ConnectionClosedError('connection closed while the join was parked'));
    if (member.isNew) {
      // It never learned its id, so it can never come back as this member.
      this.removeMember(member, new ConnectionClosedError('connection closed'), `new member ${member.memberId} went away`);
      return;
    }
    // It may reconnect and rejoin; until then its session clock runs.
    member.joined = false;
    member.touch();
  }

  private checkStrategy(strategy: StrategyName, self: GroupMember | null): void {
    const others = [...this.members.values()].filter((m) => m !== self);
    if (others.length > 0 && this.strategy !== null && strategy !== this.strategy) {
      throw new InvalidConfigError(`group ${this.groupId} uses strategy ${this.strategy}; a member asked for ${strategy}`);
    }
  }

  private partitionCountsChanged(): boolean {
    for (const t of this.subscribedTopics()) {
      if ((this.opts.partitionCount(t) ?? 0) !== (this.countsUsed.get(t) ?? 0)) return true;
    }
    return false;
  }
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((t) => set.has(t));
}
