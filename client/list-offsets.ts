/**
 * Offset lookups (the ListOffsets API), shared by the admin client and the consumer's
 * assign()/seek(). An offset spec is a plain offset, 'earliest' (the log start), 'latest' (the
 * log end: the offset the next record will get) or `{ timestamp }` (the first offset whose
 * record timestamp is at or after it; the log end when there is none).
 */
import { OFFSET_EARLIEST, OFFSET_LATEST } from '../proto/constants.js';
import { errorFromWire, InvalidRequestError, UnknownServerError, UnknownTopicError } from '../proto/errors.js';
import { isValidOffset } from '../proto/int64.js';
import type { Connection } from './connection.js';
import { isLeaderChange, LeaderRouter } from './leader-router.js';

/** Where to start reading a partition. */
export type OffsetSpec = number | 'earliest' | 'latest' | { timestamp: number };

/** What ListOffsets found for one partition. */
export interface OffsetLookup {
  topic: string;
  partition: number;
  /** The offset, or -1 when asked for a timestamp no record reaches. */
  offset: number;
  /** Timestamp of the record at `offset` when asked by timestamp, else -1. */
  timestamp: number;
}

export interface OffsetQuery {
  topic: string;
  partition: number;
  /** OFFSET_LATEST (-1), OFFSET_EARLIEST (-2) or a timestamp in ms. */
  timestamp: number;
}

/** Checks a user-given offset: a non-negative safe integer. */
export function checkOffset(offset: unknown, what = 'offset'): number {
  if (!isValidOffset(offset)) throw new InvalidRequestError(`${what} must be a non-negative safe integer, got ${String(offset)}`);
  return offset;
}

/** The ListOffsets query value for a non-numeric spec. */
export function specToQuery(spec: Exclude<OffsetSpec, number>): number {
  if (spec === 'earliest') return OFFSET_EARLIEST;
  if (spec === 'latest') return OFFSET_LATEST;
  if (spec !== null && typeof spec === 'object' && 'timestamp' in spec) return checkOffset(spec.timestamp, 'timestamp');
  throw new InvalidRequestError(`offset must be a number, 'earliest', 'latest' or { timestamp }, got ${String(spec)}`);
}

/**
 * ListOffsets for many partitions: one request to a connection, or (through a LeaderRouter) one
 * per partition leader, side by side. Per-partition errors are thrown (the first); a leader
 * change makes the router forget the topic's leaders, so a retry asks the new one.
 */
export async function listOffsets(target: Connection | LeaderRouter, queries: readonly OffsetQuery[]): Promise<OffsetLookup[]> {
  if (queries.length === 0) return [];
  const groups = new Map<Connection, OffsetQuery[]>();
  for (const q of queries) {
    const conn = target instanceof LeaderRouter ? await target.leaderFor(q.topic, q.partition) : target;
    let list = groups.get(conn);
    if (!list) groups.set(conn, (list = []));
    list.push(q);
  }
  const found = new Map<string, OffsetLookup>();
  try {
    await Promise.all([...groups].map(([conn, list]) => listOffsetsOn(conn, list, found)));
  } catch (err) {
    if (target instanceof LeaderRouter && isLeaderChange(err)) for (const q of queries) target.invalidate(q.topic);
    throw err;
  }
  return queries.map((q) => {
    const r = found.get(`${q.topic}\u0000${q.partition}`);
    if (!r) throw new UnknownTopicError(`no offset returned for ${q.topic}-${q.partition}`);
    return r;
  });
}

async function listOffsetsOn(conn: Connection, queries: readonly OffsetQuery[], found: Map<string, OffsetLookup>): Promise<void> {
  const byTopic = new Map<string, Array<{ partition: number; timestamp: number }>>();
  for (const q of queries) {
    let parts = byTopic.get(q.topic);
    if (!parts) byTopic.set(q.topic, (parts = []));
    parts.push({ partition: q.partition, timestamp: q.timestamp });
  }
  const res = await conn.request('listOffsets', {
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  });
  for (const t of res.topics ?? []) {
    for (const p of t.partitions ?? []) {
      const topic = t.name ?? '';
      const partition = p.partition ?? 0;
      if (p.error && p.error.code) throw errorFromWire(p.error, { topic, partition });
      const offset = Number(p.offset ?? -1);
      if (offset !== -1 && !isValidOffset(offset)) throw new UnknownServerError(`broker returned invalid offset ${offset}`);
      found.set(`${topic}\u0000${partition}`, { topic, partition, offset, timestamp: Number(p.timestamp ?? -1) });
    }
  }
}

/**
 * Resolves specs to concrete offsets; a timestamp past every record resolves to the log end,
 * so a consumer starting there receives the records produced from now on.
 */
export async function resolveOffsets(conn: Connection | LeaderRouter, items: ReadonlyArray<{ topic: string; partition: number; spec: OffsetSpec }>): Promise<number[]> {
  const out = new Array<number>(items.length);
  const lookups: Array<{ index: number; query: OffsetQuery }> = [];
  items.forEach((item, index) => {
    if (typeof item.spec === 'number') out[index] = checkOffset(item.spec);
    else lookups.push({ index, query: { topic: item.topic, partition: item.partition, timestamp: specToQuery(item.spec) } });
  });
  const results = await listOffsets(conn, lookups.map((l) => l.query));
  const misses: Array<{ index: number; query: OffsetQuery }> = [];
  results.forEach((r, i) => {
    const l = lookups[i]!;
    if (r.offset >= 0) out[l.index] = r.offset;
    else misses.push({ index: l.index, query: { ...l.query, timestamp: OFFSET_LATEST } });
  });
  const ends = await listOffsets(conn, misses.map((m) => m.query));
  ends.forEach((r, i) => { out[misses[i]!.index] = r.offset; });
  return out;
}
