/**
 * Fetch: read whole stored batches from each requested partition, long-polling when fewer than
 * minBytes are available.
 *
 * Bounds: maxWaitMs is capped at limits.fetchWaitMsMax; maxBytes at FETCH_RESPONSE_BYTES_MAX
 * (0 means that maximum); a partitionMaxBytes of 0 means FETCH_PARTITION_BYTES_DEFAULT. A fetch
 * with any partition error is answered at once. An OffsetOutOfRangeError partition still
 * carries the log start offset and high watermark, so the client can rebuild the valid range.
 *
 * The result's records are views of recycled read buffers: the transport calls `release()`
 * once it has copied them into its frame (or written them), and must not touch them after.
 */
import { BATCH_LENGTH_PREFIX_BYTES } from '../../../proto/constants.js';
import { StrataError, UnknownServerError } from '../../../proto/errors.js';
import { OFFSET_BATCH_LENGTH, OFFSET_RECORDS_COUNT } from '../../../proto/record-batch.js';
import type { Partition } from '../../partition/partition.js';
import { FETCH_PARTITION_BYTES_DEFAULT, FETCH_RESPONSE_BYTES_MAX } from '../../constants.js';
import { waitForFetchData } from '../delayed-fetch.js';
import { topicRefusal } from '../../security/request-authorization.js';
import { leaderEpochRefusal } from '../leader-epoch-check.js';
import { leaderPartition } from '../partition-leader.js';
import { readFetchPass, type FetchPass, type FetchTarget, type HeldReadBuffers } from '../fetch-reader.js';
import { NO_RESPONSE, type NoResponse, type RequestContext } from '../request-context.js';

export interface FetchCommand {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  /** Record bytes across all partitions; 0 means FETCH_RESPONSE_BYTES_MAX. */
  readonly maxBytes: number;
  readonly topics: readonly FetchTopic[];
}

export interface FetchTopic {
  readonly name: string;
  readonly partitions: ReadonlyArray<{
    readonly partition: number;
    readonly fetchOffset: number;
    readonly partitionMaxBytes: number;
    /** The leader epoch the client knows (KIP-320); null or absent: not checked. */
    readonly currentLeaderEpoch?: number | null;
  }>;
}

export interface FetchResult extends HeldReadBuffers {
  readonly topics: Array<{ readonly name: string; readonly partitions: PartitionFetchResult[] }>;
}

export interface PartitionFetchResult {
  readonly partition: number;
  readonly error: StrataError | null;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Whole batches as stored (possibly empty). */
  readonly records: Buffer;
}

interface RefusedRead {
  readonly topic: string;
  readonly result: PartitionFetchResult;
}

const NO_RECORDS = Buffer.alloc(0);

/** The response budget a fetch may hold while it reads: what the connection core reserves. */
export function fetchResponseBudget(cmd: FetchCommand): number {
  return Math.min(cmd.maxBytes || FETCH_RESPONSE_BYTES_MAX, FETCH_RESPONSE_BYTES_MAX);
}

export async function handleFetch(ctx: RequestContext, cmd: FetchCommand): Promise<FetchResult | NoResponse> {
  const { topics, config, stopping } = ctx.services;
  const maxWaitMs = Math.min(cmd.maxWaitMs, config.limits.fetchWaitMsMax);
  const minBytes = cmd.minBytes;
  const maxBytes = fetchResponseBudget(cmd);

  const targets: FetchTarget[] = [];
  // Partitions of topics the caller may not read: answered with the refusal, kept out of the
  // read and the long poll (Kafka's rule: they neither wait nor end the wait of the others).
  let refusedReads: RefusedRead[] | null = null;
  for (const t of cmd.topics) {
    const topic = t.name;
    const refused = topicRefusal(ctx, 'read', topic);
    if (refused) {
      for (const p of t.partitions) {
        (refusedReads ??= []).push({ topic, result: { partition: p.partition, error: refused, highWatermark: -1, logStartOffset: -1, records: NO_RECORDS } });
      }
      continue;
    }
    for (const p of t.partitions) {
      let source: Partition | undefined;
      let refusal: StrataError | null = null;
      if (ctx.services.replicas) {
        // Cluster: only the leader serves consumers (up to its high watermark).
        try {
          source = leaderPartition(ctx.services, topic, p.partition);
        } catch (err) {
          refusal = err instanceof StrataError ? err : new UnknownServerError(undefined, { cause: err });
        }
      } else {
        source = topics.getPartition(topic, p.partition);
      }
      targets.push({
        topic,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: Math.min(p.partitionMaxBytes || FETCH_PARTITION_BYTES_DEFAULT, maxBytes),
        source,
        refusal: refusal ?? (source ? leaderEpochRefusal(topic, p.partition, source.leaderEpoch, p.currentLeaderEpoch) : null),
      });
    }
  }

  let pass = await readFetchPass(targets, maxBytes, ctx.fetchReader);
  const satisfied = pass.bytes >= minBytes || pass.errors > 0 || targets.length === 0;
  if (!satisfied && maxWaitMs > 0 && !stopping.aborted) {
    const waited = await waitForFetchData({
      targets, minBytes, maxBytes, maxWaitMs, first: pass,
      connectionClosed: ctx.connectionClosed,
      stopping,
      lookup: (topic, partition) => topics.getPartition(topic, partition),
      onError: (err) => ctx.logger.error({ err }, 'fetch read pass failed'),
      read: ctx.fetchReader,
    });
    // The first pass is superseded either way: its read buffers can serve other fetches.
    if (waited !== pass) pass.release();
    if (waited === null) return NO_RESPONSE; // the connection is gone
    pass = waited;
  }
  return toResult(ctx, pass, cmd, refusedReads);
}

/** Groups the pass (and refused partitions) by topic, in request order; holds its read buffers until released. */
function toResult(ctx: RequestContext, pass: FetchPass, cmd: FetchCommand, refusedReads: RefusedRead[] | null): FetchResult {
  const byTopic = new Map<string, PartitionFetchResult[]>();
  if (refusedReads) {
    // Only then can request order and read order differ: seed the map in request order.
    for (const t of cmd.topics) if (!byTopic.has(t.name)) byTopic.set(t.name, []);
    for (const r of refusedReads) byTopic.get(r.topic)!.push(r.result);
  }
  const traffic = ctx.services.traffic;
  for (const read of pass.reads) {
    if (traffic && read.records.length > 0) traffic.fetched(read.target.topic, recordsIn(read.records), read.records.length);
    let list = byTopic.get(read.target.topic);
    if (!list) byTopic.set(read.target.topic, (list = []));
    if (read.error instanceof UnknownServerError && read.error.cause !== undefined) {
      ctx.logger.error({ err: read.error.cause, topic: read.target.topic, partition: read.target.partition }, 'fetch read failed unexpectedly');
    }
    list.push({
      partition: read.target.partition,
      error: read.error,
      highWatermark: read.highWatermark,
      logStartOffset: read.logStartOffset,
      records: read.records,
    });
  }
  return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), release: pass.release };
}

/** Records in whole stored batches, from each batch header's count (per batch, not per record). */
function recordsIn(batches: Buffer): number {
  let records = 0;
  let pos = 0;
  while (pos + OFFSET_RECORDS_COUNT + 4 <= batches.length) {
    records += batches.readInt32BE(pos + OFFSET_RECORDS_COUNT);
    const next = pos + BATCH_LENGTH_PREFIX_BYTES + batches.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (next <= pos) break; // stored batches are validated; never loop on a bad length anyway
    pos = next;
  }
  return records;
}
