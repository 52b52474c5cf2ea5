/**
 * The broker's group coordinator: every consumer group (Group, the membership state machine)
 * and their committed offsets (OffsetStore), behind the operations the request handlers call.
 * Validates what arrives from the wire (group ids, strategies, timeouts, topics, offsets) and
 * turns it into typed errors; the state machines below it assume valid input.
 *
 * A group object exists while the group has members; a group with only committed offsets
 * lives in the OffsetStore and is listed as "empty". Such offsets expire after
 * offsetsRetentionMs (offsets-expiry.ts).
 *
 * Cluster mode (`replicated`): the coordinator serves only the groups whose offsets partition
 * this broker leads (offset-store.ts); every group request first asks the store, which answers
 * NotCoordinatorError, CoordinatorLoadInProgressError or CoordinatorNotAvailableError for the
 * others. The broker calls loadOffsetsPartition / unloadOffsetsPartition as it gains and loses
 * the leadership of an offsets partition; on unload the partition's groups are closed (their
 * parked joins and heartbeats fail with NotCoordinatorError) so members find the new
 * coordinator. Membership survives the move: at every stable generation the coordinator writes
 * the group's metadata record (members, generation, strategy, assignments) to the offsets log
 * through the same replicated path as commits, and the new coordinator restores the group from
 * it when it loads the partition. Members that go on heartbeating and committing with their
 * member id and generation continue without a rebalance; a static member that restarted gets
 * its old place back (Group.join); a member that died meanwhile is evicted after its session
 * timeout. A broker alone restores its groups the same way after a restart.
 *
 * Concurrency: single-threaded; commits and resets await the offsets log, everything else
 * completes synchronously or parks in a Group long poll.
 */
import {
  BrokerShuttingDownError, GroupIdNotFoundError, GroupNotEmptyError, IllegalGenerationError, InvalidConfigError,
  InvalidRequestError, LimitExceededError, NotCoordinatorError, StorageError, StrataError, UnknownMemberIdError, UnknownTopicError,
} from '../../proto/errors.js';
import { isValidOffset } from '../../proto/int64.js';
import type { Logger } from '../logger.js';
import type { LogConfig } from '../storage/log-config.js';
import { validateTopicName } from '../topics/topic-name.js';
import { isStrategyName, type StrategyName, type TopicPartition } from './assignor.js';
import {
  COMMIT_PARTITIONS_MAX, GROUP_INSTANCE_ID_CHARS_MAX, GROUPS_MAX, HEARTBEAT_WAIT_MS_MAX, INITIAL_REBALANCE_DELAY_MS_DEFAULT, INITIAL_REBALANCE_DELAY_MS_MAX,
  OFFSET_METADATA_BYTES_MAX, OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT, OFFSETS_RETENTION_CHECK_INTERVAL_MS_MIN,
  OFFSETS_RETENTION_MS_DEFAULT, OFFSETS_RETENTION_MS_MIN, REBALANCE_TIMEOUT_MS_DEFAULT, REBALANCE_TIMEOUT_MS_MAX, REBALANCE_TIMEOUT_MS_MIN,
  SESSION_TIMEOUT_MS_DEFAULT, SESSION_TIMEOUT_MS_MAX, SESSION_TIMEOUT_MS_MIN, SUBSCRIPTION_TOPICS_MAX,
} from './constants.js';
import { validateGroupId } from './group-id.js';
import type { JoinOutcome, KafkaMemberInfo } from './group-member.js';
import type { GroupMetadataValue } from '../../proto/group-metadata-record.js';
import { Group, type GroupOptions, type GroupState, type MemberDescription } from './group.js';
import {
  OffsetStore, type OffsetsShardSource, type OffsetStoreOptions, type OffsetWrite, type RestoredGroup,
} from './offset-store.js';
import { OffsetsExpiry } from './offsets-expiry.js';
import type { GroupTopicView } from './topic-view.js';

/** Strategy of a JoinGroup that names none: Kafka's default. */
export const STRATEGY_DEFAULT: StrategyName = 'range';

export interface GroupCoordinatorOptions {
  dataDir: string;
  logDefaults: LogConfig;
  topics: GroupTopicView;
  logger: Logger;
  /** @default INITIAL_REBALANCE_DELAY_MS_DEFAULT (50 ms) */
  initialRebalanceDelayMs?: number;
  /** Offsets of empty groups expire this long after (offsets-expiry.ts). @default OFFSETS_RETENTION_MS_DEFAULT (7 days) */
  offsetsRetentionMs?: number;
  /** How often expired offsets are looked for. @default OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT (10 min) */
  offsetsRetentionCheckIntervalMs?: number;
  /** Tests: segment size and age and compaction settings of the offsets logs. */
  offsetsLog?: Pick<OffsetStoreOptions, 'segmentBytes' | 'segmentMs' | 'compaction'>;
  /**
   * Cluster mode: the offsets live in the replicated offsets topic (no local offsets logs);
   * `partitionCount` reads its partition count from the cluster (undefined before it exists).
   */
  replicated?: { partitionCount(): number | undefined };
}

export interface JoinInput {
  groupId: string;
  memberId: string;
  clientId: string;
  topics: readonly string[];
  strategy: string;
  /** 0: default. */
  sessionTimeoutMs: number;
  /** 0: default. */
  rebalanceTimeoutMs: number;
  owned: readonly TopicPartition[];
  /**
   * Strategies the member accepts, in its order of preference (a Kafka member offers several
   * protocols); when set, `strategy` is ignored and the group's current strategy wins if it is
   * among them. Names that are not strategies are skipped.
   */
  strategies?: readonly string[];
  /** Set for a member joining over the Kafka protocol. */
  kafka?: KafkaMemberInfo;
  /** Static membership (KIP-345); '' or absent: a dynamic member. */
  groupInstanceId?: string | null;
}

export interface CommitInput extends TopicPartition {
  offset: number;
  metadata: string;
}

export interface PartitionOutcome extends TopicPartition {
  error?: StrataError;
}

export interface FetchedOffset extends TopicPartition {
  /** -1: nothing committed. */
  offset: number;
  metadata: string;
  commitTimestamp: number;
}

export interface GroupListing {
  groupId: string;
  state: GroupState;
  strategy: string;
  memberCount: number;
}

export interface PartitionLag extends TopicPartition {
  committedOffset: number;
  /** -1 when the topic no longer exists. */
  logEndOffset: number;
  /** -1 when nothing is committed or the topic is gone. */
  lag: number;
  memberId: string;
  metadata: string;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  strategy: string;
  generationId: number;
  members: MemberDescription[];
  partitions: PartitionLag[];
}

export type ResetTarget = 'earliest' | 'latest' | 'offset' | 'timestamp';

export interface ResetOutcome {
  partition: number;
  previousOffset: number;
  offset: number;
  error?: StrataError;
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly initialRebalanceDelayMs: number;
  private closed = false;

  /**
   * When each group without members but with committed offsets became empty, in this process
   * (for offsets expiry); at most one entry per group the offset store holds.
   */
  private readonly emptiedAtMs = new Map<string, number>();
  private readonly expiry: OffsetsExpiry;

  private constructor(private readonly store: OffsetStore, private readonly opts: GroupCoordinatorOptions) {
    this.initialRebalanceDelayMs = opts.initialRebalanceDelayMs ?? INITIAL_REBALANCE_DELAY_MS_DEFAULT;
    checkRange('initialRebalanceDelayMs', this.initialRebalanceDelayMs, 0, INITIAL_REBALANCE_DELAY_MS_MAX);
    const retentionMs = opts.offsetsRetentionMs ?? OFFSETS_RETENTION_MS_DEFAULT;
    checkRange('offsetsRetentionMs', retentionMs, OFFSETS_RETENTION_MS_MIN, Number.MAX_SAFE_INTEGER);
    const checkIntervalMs = opts.offsetsRetentionCheckIntervalMs ?? OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT;
    checkRange('offsetsRetentionCheckIntervalMs', checkIntervalMs, OFFSETS_RETENTION_CHECK_INTERVAL_MS_MIN, 2 ** 31 - 1);
    this.expiry = new OffsetsExpiry({
      store, retentionMs, checkIntervalMs, logger: opts.logger,
      hasMembers: (g) => this.groups.has(g),
      emptiedAtMs: (g) => this.emptiedAtMs.get(g),
      forget: (g) => this.emptiedAtMs.delete(g),
    });
  }

  static async open(opts: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const store = opts.replicated
      ? OffsetStore.replicated({ partitionCount: opts.replicated.partitionCount, logger: opts.logger })
      : await OffsetStore.open({ dataDir: opts.dataDir, logDefaults: opts.logDefaults, logger: opts.logger, ...opts.offsetsLog });
    let coordinator: GroupCoordinator;
    try {
      coordinator = new GroupCoordinator(store, opts);
    } catch (err) {
      await store.close();
      throw err;
    }
    // A broker alone replayed every offsets partition in open(): its groups carry on as well.
    coordinator.restoreGroups(store.takeRestoredGroups());
    coordinator.expiry.start();
    return coordinator;
  }

  /** Tombstones every expired committed offset now (the timer does it every check interval); resolves with how many. */
  expireOffsets(): Promise<number> {
    return this.expiry.expire();
  }

  /** The offset store, for tests and tools. */
  get offsets(): OffsetStore {
    return this.store;
  }

  // ---- cluster mode: offsets partitions led here -------------------------------------------

  /** This broker became leader of offsets partition `index`: replay it, then coordinate its groups. */
  async loadOffsetsPartition(index: number, source: OffsetsShardSource): Promise<void> {
    this.dropGroupsOf(index);
    await this.store.load(index, source, (restored) => {
      // A group created here meanwhile cannot exist (the partition answered LoadInProgress), but a
      // stale one from an earlier leadership would: drop it so the log's record wins.
      this.dropGroupsOf(index);
      this.restoreGroups(restored);
    });
  }

  /** This broker no longer leads offsets partition `index`: its groups go (members find the new coordinator). */
  unloadOffsetsPartition(index: number): void {
    this.dropGroupsOf(index);
    for (const g of this.store.unload(index)) this.emptiedAtMs.delete(g);
  }

  private dropGroupsOf(index: number): void {
    for (const [id, g] of [...this.groups]) {
      if (this.store.partitionOf(id) !== index) continue;
      this.groups.delete(id);
      g.close(new NotCoordinatorError(`this broker no longer coordinates group ${id}`));
    }
  }

  // ---- membership --------------------------------------------------------------------------

  join(input: JoinInput, signal?: AbortSignal): Promise<JoinOutcome> {
    this.checkOpen();
    validateGroupId(input.groupId);
    this.store.checkServes(input.groupId);
    const strategy = input.strategies
      ? this.chooseStrategy(input.groupId, input.strategies)
      : input.strategy === '' ? STRATEGY_DEFAULT : input.strategy;
    if (!isStrategyName(strategy)) throw new InvalidConfigError(`unknown assignment strategy ${JSON.stringify(strategy)}`);
    const topics = [...new Set(input.topics)];
    if (topics.length === 0) throw new InvalidRequestError('a member must subscribe to at least one topic');
    if (topics.length > SUBSCRIPTION_TOPICS_MAX) throw new LimitExceededError(`a member may subscribe to at most ${SUBSCRIPTION_TOPICS_MAX} topics`);
    for (const t of topics) validateTopicName(t);
    const sessionTimeoutMs = input.sessionTimeoutMs || SESSION_TIMEOUT_MS_DEFAULT;
    checkRange('sessionTimeoutMs', sessionTimeoutMs, SESSION_TIMEOUT_MS_MIN, SESSION_TIMEOUT_MS_MAX);
    const rebalanceTimeoutMs = input.rebalanceTimeoutMs || REBALANCE_TIMEOUT_MS_DEFAULT;
    checkRange('rebalanceTimeoutMs', rebalanceTimeoutMs, REBALANCE_TIMEOUT_MS_MIN, REBALANCE_TIMEOUT_MS_MAX);
    const groupInstanceId = input.groupInstanceId || undefined;
    if (groupInstanceId !== undefined && groupInstanceId.length > GROUP_INSTANCE_ID_CHARS_MAX) {
      throw new InvalidRequestError(`group instance id exceeds ${GROUP_INSTANCE_ID_CHARS_MAX} characters`);
    }
    let group = this.groups.get(input.groupId);
    if (!group) {
      if (input.memberId !== '') throw new UnknownMemberIdError(`member ${input.memberId} is not in group ${input.groupId}`);
      if (this.groups.size >= GROUPS_MAX) throw new LimitExceededError(`the broker holds its maximum of ${GROUPS_MAX} active groups`);
      group = new Group(input.groupId, this.groupOptions());
      this.groups.set(input.groupId, group);
      this.emptiedAtMs.delete(input.groupId);
    }
    try {
      return group.join({
        memberId: input.memberId,
        settings: {
          clientId: input.clientId, topics, strategy, sessionTimeoutMs, rebalanceTimeoutMs,
          ...(groupInstanceId !== undefined ? { groupInstanceId } : {}),
          ...(input.kafka ? { kafka: input.kafka } : {}),
        },
        owned: input.owned,
      }, signal);
    } finally {
      // A join refused synchronously must not leave a memberless group behind.
      if (group.members.size === 0 && group.state === 'empty' && this.groups.get(input.groupId) === group) this.groups.delete(input.groupId);
    }
  }

  heartbeat(groupId: string, memberId: string, generationId: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    const group = this.groups.get(groupId);
    if (!group) return Promise.reject(new UnknownMemberIdError(`member ${memberId} is not in group ${groupId}`));
    return group.heartbeat(memberId, generationId, Math.min(Math.max(0, maxWaitMs), HEARTBEAT_WAIT_MS_MAX), signal);
  }

  /** A Kafka member's SyncGroup: its assignment in `generationId` (see Group.syncAssignment). */
  sync(groupId: string, memberId: string, generationId: number): TopicPartition[] {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    const group = this.groups.get(groupId);
    if (!group) throw new UnknownMemberIdError(`member ${memberId} is not in group ${groupId}`);
    return group.syncAssignment(memberId, generationId);
  }

  leave(groupId: string, memberId: string): void {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    const group = this.groups.get(groupId);
    if (!group) throw new UnknownMemberIdError(`member ${memberId} is not in group ${groupId}`);
    group.leave(memberId);
  }

  // ---- offsets -----------------------------------------------------------------------------

  /**
   * Fencing errors (stale generation, unknown member) fail the whole request; per-partition
   * problems (unknown topic, bad offset, oversized metadata, partition owned by another member)
   * fail only that partition. Resolves once the accepted offsets are durable.
   */
  async commit(groupId: string, memberId: string, generationId: number, offsets: readonly CommitInput[]): Promise<PartitionOutcome[]> {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    if (offsets.length > COMMIT_PARTITIONS_MAX) throw new LimitExceededError(`a commit may carry at most ${COMMIT_PARTITIONS_MAX} partitions`);
    const group = this.groups.get(groupId);
    if (group) group.validateCommit(memberId, generationId);
    else if (memberId !== '' || generationId >= 0) throw new UnknownMemberIdError(`member ${memberId} is not in group ${groupId}`);

    const outcomes: PartitionOutcome[] = [];
    const accepted: Array<{ outcome: PartitionOutcome; write: OffsetWrite }> = [];
    for (const o of offsets) {
      const outcome: PartitionOutcome = { topic: o.topic, partition: o.partition };
      outcomes.push(outcome);
      try {
        const count = this.opts.topics.partitionCount(o.topic);
        if (count === undefined || o.partition >= count) throw new UnknownTopicError(`unknown topic or partition ${o.topic}-${o.partition}`);
        if (!isValidOffset(o.offset)) throw new InvalidRequestError(`offset ${o.offset} is not a non-negative integer`);
        if (Buffer.byteLength(o.metadata, 'utf8') > OFFSET_METADATA_BYTES_MAX) {
          throw new LimitExceededError(`offset metadata exceeds ${OFFSET_METADATA_BYTES_MAX} bytes`);
        }
        const owner = group?.ownerOf(o.topic, o.partition);
        if (owner !== undefined && owner !== memberId) {
          throw new IllegalGenerationError(`${o.topic}-${o.partition} is assigned to another member of group ${groupId}`);
        }
        accepted.push({ outcome, write: { topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata } });
      } catch (err) {
        outcome.error = err as StrataError;
      }
    }
    try {
      await this.store.commit(groupId, accepted.map((a) => a.write));
    } catch (err) {
      const error = err instanceof StrataError ? err : new StorageError('offset commit failed', { cause: err });
      for (const a of accepted) a.outcome.error = error;
    }
    return outcomes;
  }

  /** Committed offsets (-1 where none); every partition with an offset when `partitions` is empty. */
  fetchOffsets(groupId: string, partitions: readonly TopicPartition[]): FetchedOffset[] {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    if (partitions.length === 0) return this.store.groupOffsets(groupId);
    return partitions.map((tp) => {
      const c = this.store.get(groupId, tp.topic, tp.partition);
      return { topic: tp.topic, partition: tp.partition, offset: c?.offset ?? -1, metadata: c?.metadata ?? '', commitTimestamp: c?.commitTimestamp ?? -1 };
    });
  }

  // ---- admin -------------------------------------------------------------------------------

  listGroups(): GroupListing[] {
    this.checkOpen();
    const out = new Map<string, GroupListing>();
    for (const g of this.store.groups()) out.set(g, { groupId: g, state: 'empty', strategy: '', memberCount: 0 });
    for (const [id, g] of this.groups) {
      out.set(id, { groupId: id, state: g.state, strategy: g.strategy ?? '', memberCount: g.members.size });
    }
    return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  describeGroup(groupId: string): GroupDescription {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    const group = this.groups.get(groupId);
    if (!group && !this.store.hasGroup(groupId)) throw new GroupIdNotFoundError(`group ${groupId} does not exist`);
    const committed = this.store.groupOffsets(groupId);
    const topics = new Set<string>(group?.subscribedTopics() ?? []);
    for (const c of committed) topics.add(c.topic);
    const partitions: PartitionLag[] = [];
    for (const topic of [...topics].sort()) {
      const count = this.opts.topics.partitionCount(topic);
      const indexes = count !== undefined
        ? Array.from({ length: count }, (_, i) => i)
        : committed.filter((c) => c.topic === topic).map((c) => c.partition).sort((a, b) => a - b);
      for (const partition of indexes) {
        const c = this.store.get(groupId, topic, partition);
        const end = this.opts.topics.partitionOffsets(topic, partition)?.highWatermark ?? -1;
        partitions.push({
          topic, partition,
          committedOffset: c?.offset ?? -1,
          logEndOffset: end,
          lag: c && end >= 0 ? Math.max(0, end - c.offset) : -1,
          memberId: group?.ownerOf(topic, partition) ?? '',
          metadata: c?.metadata ?? '',
        });
      }
    }
    return {
      groupId,
      state: group?.state ?? 'empty',
      strategy: group?.strategy ?? '',
      generationId: group?.generationId ?? 0,
      members: group?.describeMembers() ?? [],
      partitions,
    };
  }

  /**
   * Moves a group's committed offsets for `topic` (all partitions, or those listed). Only while
   * the group has no members: a running consumer would overwrite the new offsets with its own
   * next commit (GroupNotEmptyError).
   */
  async resetOffsets(
    groupId: string, topic: string, partitions: readonly number[], target: ResetTarget, value: number, dryRun: boolean,
  ): Promise<ResetOutcome[]> {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    validateTopicName(topic);
    this.checkNoMembers(groupId);
    const count = this.opts.topics.partitionCount(topic);
    if (count === undefined) throw new UnknownTopicError(`unknown topic ${topic}`);
    if ((target === 'offset' || target === 'timestamp') && !isValidOffset(value)) {
      throw new InvalidRequestError(`reset ${target} must be a non-negative integer, got ${value}`);
    }
    const wanted = partitions.length > 0 ? [...new Set(partitions)] : Array.from({ length: count }, (_, i) => i);
    const outcomes: ResetOutcome[] = [];
    for (const partition of wanted) {
      const previousOffset = this.store.get(groupId, topic, partition)?.offset ?? -1;
      const range = this.opts.topics.partitionOffsets(topic, partition);
      if (!range) {
        outcomes.push({ partition, previousOffset, offset: -1, error: new UnknownTopicError(`unknown partition ${topic}-${partition}`) });
        continue;
      }
      let offset: number;
      if (target === 'earliest') offset = range.logStartOffset;
      else if (target === 'latest') offset = range.highWatermark;
      else if (target === 'offset') offset = Math.min(Math.max(value, range.logStartOffset), range.highWatermark);
      else offset = (await this.opts.topics.offsetForTimestamp(topic, partition, value)) ?? range.highWatermark;
      outcomes.push({ partition, previousOffset, offset });
    }
    if (dryRun) return outcomes;
    // Timestamp lookups awaited: a consumer may have joined meanwhile.
    this.checkNoMembers(groupId);
    const ok = outcomes.filter((o) => !o.error);
    await this.store.commit(groupId, ok.map((o) => ({ topic, partition: o.partition, offset: o.offset, metadata: '' })));
    this.opts.logger.info({ group: groupId, topic, target, partitions: ok.length }, 'offsets reset');
    return outcomes;
  }

  /** Deletes an empty group's committed offsets. */
  async deleteGroup(groupId: string): Promise<void> {
    this.checkOpen();
    validateGroupId(groupId);
    this.store.checkServes(groupId);
    this.checkNoMembers(groupId);
    if (!this.store.hasGroup(groupId)) throw new GroupIdNotFoundError(`group ${groupId} does not exist`);
    await this.store.delete(groupId);
    this.emptiedAtMs.delete(groupId);
    this.opts.logger.info({ group: groupId }, 'group deleted');
  }

  /** Fails parked joins and heartbeats, then closes the offsets logs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.expiry.stop();
    for (const g of this.groups.values()) g.close(new BrokerShuttingDownError('broker is shutting down'));
    this.groups.clear();
    await this.store.close();
  }

  private groupOptions(): GroupOptions {
    return {
      initialRebalanceDelayMs: this.initialRebalanceDelayMs,
      partitionCount: (t) => this.opts.topics.partitionCount(t),
      logger: this.opts.logger,
      onEmpty: (g) => {
        if (this.groups.get(g.groupId) !== g) return;
        this.groups.delete(g.groupId);
        // Only a group with offsets needs the time (a later commit counts from itself), which
        // keeps this map within the groups the store holds.
        if (this.store.hasGroup(g.groupId)) this.emptiedAtMs.set(g.groupId, Date.now());
        if (g.persisted) {
          g.persisted = false;
          this.persist(g.groupId, null);
        }
      },
      onStable: (g) => {
        if (this.groups.get(g.groupId) !== g) return;
        const record = g.snapshot(Date.now());
        g.persisted = true;
        this.persist(g.groupId, record);
      },
    };
  }

  /**
   * Writes the group's membership record (null: its tombstone) in the background. The members
   * are answered without waiting for it: a coordinator that dies before the record is
   * replicated leaves the previous one, whose generation the members no longer match, so they
   * rejoin (one rebalance, as if nothing had been written) and fencing stays intact.
   */
  private persist(groupId: string, record: GroupMetadataValue | null): void {
    if (this.closed) return;
    this.store.writeGroupMetadata(groupId, record).catch((err: unknown) => {
      this.opts.logger.warn({ group: groupId, err: (err as Error).message }, 'group metadata not written; a coordinator move will rebalance this group');
    });
  }

  /** Groups restored from their metadata records: stable, members heartbeating on as before. */
  private restoreGroups(restored: readonly RestoredGroup[]): void {
    let count = 0;
    for (const { groupId, metadata } of restored) {
      if (this.groups.has(groupId) || this.groups.size >= GROUPS_MAX) continue;
      const group = Group.restore(groupId, this.groupOptions(), metadata);
      if (!group) continue;
      this.groups.set(groupId, group);
      this.emptiedAtMs.delete(groupId);
      count++;
    }
    if (count > 0) this.opts.logger.info({ groups: count }, 'group memberships restored from the offsets log');
  }

  /** The group's strategy if the member accepts it, else the member's first known one. */
  private chooseStrategy(groupId: string, offered: readonly string[]): string {
    const known = offered.filter(isStrategyName);
    const current = this.groups.get(groupId)?.strategy ?? null;
    if (current !== null && known.includes(current)) return current;
    if (known.length === 0) throw new InvalidConfigError(`none of the offered strategies ${JSON.stringify(offered)} is supported`);
    return known[0]!;
  }

  private checkOpen(): void {
    if (this.closed) throw new BrokerShuttingDownError('group coordinator is closed');
  }

  private checkNoMembers(groupId: string): void {
    const members = this.groups.get(groupId)?.members.size ?? 0;
    if (members > 0) throw new GroupNotEmptyError(`group ${groupId} has ${members} active member(s); stop its consumers first`);
  }
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
