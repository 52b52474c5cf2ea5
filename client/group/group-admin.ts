/**
 * Consumer-group administration: ListGroups, DescribeGroup (with per-partition lag),
 * ResetOffsets, DeleteGroups, and reading or writing a group's committed offsets from outside
 * the group. Obtained from `strata.groupAdmin()`; shares the admin connection. Every call is
 * retried on retriable errors by the client's retry policy.
 *
 * Routing: a call about one group goes to that group's coordinator (coordinator-link.ts: found
 * with FindCoordinator, found again when it moved), so in a cluster it reaches the broker that
 * holds the group; listGroups asks every live broker and merges their answers (each lists the
 * groups it coordinates). A broker alone is reached over the admin connection as before.
 */
import { strata as wire } from '../../proto/gen/strata.js';
import { errorFromWire, InvalidRequestError, type StrataError } from '../../proto/errors.js';
import type { Connection } from '../connection.js';
import type { TopicPartition } from '../consumer-options.js';
import { checkOffset } from '../list-offsets.js';
import { LeaderRouter } from '../leader-router.js';
import { retry, type RetryPolicy } from '../retry.js';
import { CoordinatorLink } from './coordinator-link.js';
import { commitOffsets, fetchOffsets, type CommittedOffset, type OffsetToCommit } from './group-requests.js';

export type GroupState = 'empty' | 'rebalancing' | 'stable';

export interface GroupListing {
  groupId: string;
  state: GroupState;
  /** '' while the group has no members. */
  strategy: string;
  memberCount: number;
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  topics: string[];
  assignment: TopicPartition[];
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** -1: nothing committed. */
  committedOffset: number;
  /** The high watermark; -1 if the topic is gone. */
  logEndOffset: number;
  /** logEndOffset - committedOffset; -1 when either is unknown. */
  lag: number;
  /** '' when no member owns the partition. */
  memberId: string;
  metadata: string;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  strategy: string;
  generationId: number;
  members: GroupMemberDescription[];
  partitions: GroupPartitionLag[];
}

/** Where resetOffsets() moves a group: the log start or end, an offset (clamped to the log), or a time (ms). */
export type ResetOffsetsSpec = 'earliest' | 'latest' | number | { timestamp: number };

export interface ResetOffsetsResult {
  partition: number;
  /** -1 when nothing was committed. */
  previousOffset: number;
  offset: number;
  /** Null on success. */
  error: StrataError | null;
}

export interface DeleteGroupResult {
  groupId: string;
  error: StrataError | null;
}

export interface GroupAdminDeps {
  connection: Connection;
  retry: RetryPolicy;
  /** Routes to each group's coordinator and to every broker. @default a router from `connection` alone */
  router?: LeaderRouter;
}

function flatten(list: ReadonlyArray<{ topic?: string | null; partitions?: number[] | null }> | null | undefined): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const t of list ?? []) for (const p of t.partitions ?? []) out.push({ topic: t.topic ?? '', partition: p });
  return out;
}

export class GroupAdmin {
  private readonly router: LeaderRouter;

  constructor(private readonly deps: GroupAdminDeps) {
    this.router = deps.router ?? new LeaderRouter({ first: deps.connection });
  }

  /** Every group of every live broker, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    const meta = await this.call(() => this.router.metadata([]));
    const ids = (meta.brokers ?? []).map((b) => b.nodeId ?? -1).filter((id) => id >= 0);
    const conns = ids.map((id) => this.router.nodeConnection(id)).filter((c): c is Connection => c !== null);
    if (conns.length === 0) conns.push(this.deps.connection);
    const answers = await Promise.all([...new Set(conns)].map((c) => this.call(() => c.request('listGroups', {}))));
    const out = new Map<string, GroupListing>();
    for (const res of answers) {
      for (const g of res.groups ?? []) {
        const listing = { groupId: g.groupId ?? '', state: (g.state ?? 'empty') as GroupState, strategy: g.strategy ?? '', memberCount: g.memberCount ?? 0 };
        // A group that just moved may be listed by its old and its new coordinator: the one with members wins.
        const prior = out.get(listing.groupId);
        if (!prior || listing.memberCount > prior.memberCount) out.set(listing.groupId, listing);
      }
    }
    return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** Throws GroupIdNotFoundError when the group has neither members nor committed offsets. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    const res = await this.atCoordinator(groupId, (conn) => conn.request('describeGroup', { groupId }));
    return {
      groupId: res.groupId ?? groupId,
      state: (res.state ?? 'empty') as GroupState,
      strategy: res.strategy ?? '',
      generationId: res.generationId ?? 0,
      members: (res.members ?? []).map((m) => ({
        memberId: m.memberId ?? '', clientId: m.clientId ?? '', topics: m.topics ?? [], assignment: flatten(m.assignment),
      })),
      partitions: (res.partitions ?? []).map((p) => ({
        topic: p.topic ?? '',
        partition: p.partition ?? 0,
        committedOffset: Number(p.committedOffset ?? -1),
        logEndOffset: Number(p.logEndOffset ?? -1),
        lag: Number(p.lag ?? -1),
        memberId: p.memberId ?? '',
        metadata: p.metadata ?? '',
      })),
    };
  }

  /**
   * Moves the group's committed offsets for `topic` (every partition, or `partitions`).
   * Throws GroupNotEmptyError while the group has members. `dryRun` only computes them.
   */
  async resetOffsets(
    groupId: string, topic: string, to: ResetOffsetsSpec, options: { partitions?: readonly number[]; dryRun?: boolean } = {},
  ): Promise<ResetOffsetsResult[]> {
    const T = wire.v1.OffsetResetTarget;
    let target: number;
    let value = 0;
    if (to === 'earliest') target = T.OFFSET_RESET_TARGET_EARLIEST;
    else if (to === 'latest') target = T.OFFSET_RESET_TARGET_LATEST;
    else if (typeof to === 'number') {
      target = T.OFFSET_RESET_TARGET_OFFSET;
      value = checkOffset(to);
    } else if (to !== null && typeof to === 'object' && 'timestamp' in to) {
      target = T.OFFSET_RESET_TARGET_TIMESTAMP;
      value = checkOffset(to.timestamp, 'timestamp');
    } else {
      throw new InvalidRequestError(`reset target must be 'earliest', 'latest', an offset or { timestamp }, got ${String(to)}`);
    }
    const res = await this.atCoordinator(groupId, (conn) => conn.request('resetOffsets', {
      groupId, topic, partitions: [...(options.partitions ?? [])], target, value, dryRun: options.dryRun ?? false,
    }));
    return (res.partitions ?? []).map((p) => ({
      partition: p.partition ?? 0,
      previousOffset: Number(p.previousOffset ?? -1),
      offset: Number(p.offset ?? -1),
      error: p.error && p.error.code ? errorFromWire(p.error, { topic, partition: p.partition ?? 0 }) : null,
    }));
  }

  /** Deletes groups that have no members (their committed offsets go). */
  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    // One request per group: each goes to its own coordinator.
    const out: DeleteGroupResult[] = [];
    for (const groupId of groupIds) {
      const res = await this.atCoordinator(groupId, (conn) => conn.request('deleteGroups', { groupIds: [groupId] }));
      for (const g of res.groups ?? []) out.push({ groupId: g.groupId ?? '', error: g.error && g.error.code ? errorFromWire(g.error) : null });
    }
    return out;
  }

  /** Committed offsets (-1 where none); every partition the group has one for when `partitions` is omitted. */
  async fetchOffsets(groupId: string, partitions: readonly TopicPartition[] = []): Promise<CommittedOffset[]> {
    return this.atCoordinator(groupId, (conn) => fetchOffsets(conn, groupId, partitions));
  }

  /** Commits offsets for a group that has no members (a standalone consumer's bookkeeping). */
  async commitOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    for (const o of offsets) checkOffset(o.offset);
    const failures = await this.atCoordinator(groupId, (conn) => commitOffsets(conn, groupId, '', -1, offsets));
    if (failures.length > 0) throw failures[0]!.error;
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, this.deps.retry);
  }

  /** `fn` at the group's coordinator, retried (a NotCoordinator answer makes the retry find it again). */
  private atCoordinator<T>(groupId: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const link = new CoordinatorLink(groupId, this.router);
    return this.call(() => link.run(fn));
  }
}
