/**
 * The consumer-group wire calls over one Connection, with wire shapes turned into plain ones
 * and per-partition errors into typed errors. No retries here: the callers (membership loop,
 * group consumer, group admin) each know which failures they may retry.
 */
import { errorFromWire, type StrataError } from '../../proto/errors.js';
import type { Connection } from '../connection.js';
import type { TopicPartition } from '../consumer-options.js';

export interface JoinResult {
  memberId: string;
  generationId: number;
  strategy: string;
  assignment: TopicPartition[];
  memberCount: number;
  revocationsPending: boolean;
}

export interface JoinParams {
  groupId: string;
  memberId: string;
  clientId: string;
  topics: readonly string[];
  strategy: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  owned: readonly TopicPartition[];
  /** Static membership; undefined: a dynamic member. */
  groupInstanceId?: string | undefined;
}

export interface OffsetToCommit extends TopicPartition {
  offset: number;
  metadata?: string;
}

export interface CommittedOffset extends TopicPartition {
  /** -1: nothing committed. */
  offset: number;
  metadata: string;
  /** -1 when nothing is committed. */
  commitTimestamp: number;
}

export interface PartitionFailure extends TopicPartition {
  error: StrataError;
}

/** Groups a flat partition list by topic, the way the wire carries it. */
export function byTopic(list: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const out = new Map<string, number[]>();
  for (const tp of list) {
    let parts = out.get(tp.topic);
    if (!parts) out.set(tp.topic, (parts = []));
    parts.push(tp.partition);
  }
  return [...out].map(([topic, partitions]) => ({ topic, partitions }));
}

function flatten(list: ReadonlyArray<{ topic?: string | null; partitions?: number[] | null }> | null | undefined): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const t of list ?? []) for (const p of t.partitions ?? []) out.push({ topic: t.topic ?? '', partition: p });
  return out;
}

/** Long poll; `timeoutMs` must cover the broker's rebalance timeout. */
export async function joinGroup(conn: Connection, p: JoinParams, timeoutMs: number): Promise<JoinResult> {
  const res = await conn.request('joinGroup', {
    groupId: p.groupId,
    memberId: p.memberId,
    clientId: p.clientId,
    topics: [...p.topics],
    strategy: p.strategy,
    sessionTimeoutMs: p.sessionTimeoutMs,
    rebalanceTimeoutMs: p.rebalanceTimeoutMs,
    owned: byTopic(p.owned),
    groupInstanceId: p.groupInstanceId ?? '',
  }, { timeoutMs });
  return {
    memberId: res.memberId ?? '',
    generationId: res.generationId ?? 0,
    strategy: res.strategy ?? '',
    assignment: flatten(res.assignment),
    memberCount: res.memberCount ?? 0,
    revocationsPending: res.revocationsPending ?? false,
  };
}

/** Long poll of up to `maxWaitMs`; rejects with the group errors that mean "rejoin". */
export async function heartbeat(
  conn: Connection, groupId: string, memberId: string, generationId: number, maxWaitMs: number, timeoutMs: number,
): Promise<void> {
  await conn.request('heartbeat', { groupId, memberId, generationId, maxWaitMs }, { timeoutMs });
}

export async function leaveGroup(conn: Connection, groupId: string, memberId: string): Promise<void> {
  await conn.request('leaveGroup', { groupId, memberId });
}

/**
 * Commits; resolves with the partitions that failed (empty when all are durable). Fencing
 * errors (stale generation, unknown member) reject the whole call.
 */
export async function commitOffsets(
  conn: Connection, groupId: string, memberId: string, generationId: number, offsets: readonly OffsetToCommit[],
): Promise<PartitionFailure[]> {
  if (offsets.length === 0) return [];
  const topics = new Map<string, Array<{ partition: number; offset: number; metadata: string }>>();
  for (const o of offsets) {
    let parts = topics.get(o.topic);
    if (!parts) topics.set(o.topic, (parts = []));
    parts.push({ partition: o.partition, offset: o.offset, metadata: o.metadata ?? '' });
  }
  const res = await conn.request('offsetCommit', {
    groupId, memberId, generationId, topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
  });
  const failures: PartitionFailure[] = [];
  for (const t of res.topics ?? []) {
    for (const p of t.partitions ?? []) {
      if (p.error && p.error.code) {
        const topic = t.name ?? '';
        const partition = p.partition ?? 0;
        failures.push({ topic, partition, error: errorFromWire(p.error, { topic, partition }) });
      }
    }
  }
  return failures;
}

/** Committed offsets of `partitions` (all of the group's when empty). */
export async function fetchOffsets(conn: Connection, groupId: string, partitions: readonly TopicPartition[]): Promise<CommittedOffset[]> {
  const res = await conn.request('offsetFetch', { groupId, topics: byTopic(partitions) });
  const out: CommittedOffset[] = [];
  for (const t of res.topics ?? []) {
    for (const p of t.partitions ?? []) {
      out.push({
        topic: t.name ?? '',
        partition: p.partition ?? 0,
        offset: Number(p.offset ?? -1),
        metadata: p.metadata ?? '',
        commitTimestamp: Number(p.commitTimestamp ?? -1),
      });
    }
  }
  return out;
}
