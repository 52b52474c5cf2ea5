/**
 * Fetch: read whole stored batches from each requested partition, long-polling when fewer than
 * min_bytes are available.
 *
 * Bounds: max_wait_ms is capped at limits.fetchWaitMsMax; max_bytes at FETCH_RESPONSE_BYTES_MAX
 * (0 means that maximum); partition_max_bytes of 0 means FETCH_PARTITION_BYTES_DEFAULT. A fetch
 * with any partition error is answered at once. An OffsetOutOfRangeError partition still
 * carries the log start offset and high watermark, so the client can rebuild the valid range.
 */
import { FETCH_PARTITION_BYTES_DEFAULT, FETCH_RESPONSE_BYTES_MAX } from '../../constants.js';
import { waitForFetchData } from '../delayed-fetch.js';
import { readFetchPass, type FetchPass, type FetchTarget, type HeldReadBuffers } from '../fetch-reader.js';
import { NO_RESPONSE, type NoResponse, type RequestContext } from '../request-context.js';
import type { strata } from '../../../proto/gen/strata.js';

export async function handleFetch(
  ctx: RequestContext,
  req: strata.v1.FetchRequest.$Properties,
): Promise<(strata.v1.FetchResponse.$Properties & HeldReadBuffers) | NoResponse> {
  const { topics, config, stopping } = ctx.services;
  const maxWaitMs = Math.min(req.maxWaitMs ?? 0, config.limits.fetchWaitMsMax);
  const minBytes = req.minBytes ?? 0;
  const maxBytes = Math.min(req.maxBytes || FETCH_RESPONSE_BYTES_MAX, FETCH_RESPONSE_BYTES_MAX);

  const targets: FetchTarget[] = [];
  for (const t of req.topics ?? []) {
    const topic = t.name ?? '';
    for (const p of t.partitions ?? []) {
      const partition = p.partition ?? 0;
      targets.push({
        topic,
        partition,
        fetchOffset: Number(p.fetchOffset ?? 0),
        partitionMaxBytes: Math.min(p.partitionMaxBytes || FETCH_PARTITION_BYTES_DEFAULT, maxBytes),
        source: topics.getPartition(topic, partition),
      });
    }
  }

  let pass = await readFetchPass(targets, maxBytes);
  const satisfied = pass.bytes >= minBytes || pass.errors > 0 || targets.length === 0;
  if (!satisfied && maxWaitMs > 0 && !stopping.aborted) {
    const waited = await waitForFetchData({
      targets, minBytes, maxBytes, maxWaitMs, first: pass,
      connectionClosed: ctx.connectionClosed,
      stopping,
      lookup: (topic, partition) => topics.getPartition(topic, partition),
      onError: (err) => ctx.logger.error({ err }, 'fetch read pass failed'),
    });
    // The first pass is superseded either way: its read buffers can serve other fetches.
    if (waited !== pass) pass.release();
    if (waited === null) return NO_RESPONSE; // the connection is gone
    pass = waited;
  }
  return toResponse(pass);
}

/** The response, holding the pass's read buffers until the transport has encoded it. */
function toResponse(pass: FetchPass): strata.v1.FetchResponse.$Properties & HeldReadBuffers {
  const byTopic = new Map<string, strata.v1.PartitionFetchResponse.$Properties[]>();
  for (const read of pass.reads) {
    let list = byTopic.get(read.target.topic);
    if (!list) byTopic.set(read.target.topic, (list = []));
    list.push({
      partition: read.target.partition,
      error: read.error ?? null,
      highWatermark: read.highWatermark,
      logStartOffset: read.logStartOffset,
      records: read.records,
    });
  }
  return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), release: pass.release };
}
