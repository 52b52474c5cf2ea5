/**
 * Fetch: Kafka's long poll (max_wait_ms, min_bytes, max_bytes, per-partition max bytes) through
 * the same fetch handler the WebSocket protocol uses: whole stored batches, as they lie on disk,
 * up to the high watermark. No fetch sessions (KIP-227): every answer carries session id 0,
 * which tells the client to keep sending full fetches; an incremental fetch naming a session
 * gets FETCH_SESSION_ID_NOT_FOUND. read_committed reads the same as read_uncommitted (no
 * transactions: the last stable offset is the high watermark).
 */
import { handleFetch as fetchRead } from '../../server/api/fetch.js';
import { NO_RESPONSE as WS_NO_RESPONSE } from '../../server/request-context.js';
import { requestContextOf } from '../kafka-context.js';
import { kafkaCodeOfWire, KafkaError } from '../kafka-errors.js';
import { NO_RESPONSE, type KafkaHandler } from './types.js';

export const handleFetch: KafkaHandler<'fetch'> = async (ctx, req) => {
  const { body } = req;
  if (body.sessionId !== 0) return { errorCode: KafkaError.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
  const fenced = new Set<string>();
  const topics = body.topics.map((t) => ({
    name: t.topic,
    partitions: t.partitions.filter((p) => {
      // A newer epoch than the partition's means the client saw a leader this broker does not know.
      const epoch = ctx.services.topics.getPartition(t.topic, p.partition)?.leaderEpoch ?? -1;
      const newer = p.currentLeaderEpoch > epoch && epoch >= 0;
      if (newer) fenced.add(`${t.topic}\u0000${p.partition}`);
      return !newer;
    }).map((p) => ({ partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: Math.max(0, p.partitionMaxBytes) })),
  }));
  const read = await fetchRead(requestContextOf(ctx), {
    maxWaitMs: Math.max(0, body.maxWaitMs), minBytes: Math.max(0, body.minBytes), maxBytes: Math.max(0, body.maxBytes), topics,
  });
  if (read === WS_NO_RESPONSE) return NO_RESPONSE;
  // The records below are views of recycled read buffers: the connection hands them back
  // (`release`) once the answer has been written to the socket.
  const byKey = new Map<string, { error: { code: number } | null; highWatermark: number; logStartOffset: number; records: Buffer }>();
  for (const t of read.topics) {
    for (const p of t.partitions) {
      byKey.set(`${t.name}\u0000${p.partition}`, {
        error: p.error, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset, records: p.records,
      });
    }
  }
  return {
    release: read.release,
    sessionId: 0,
    responses: body.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const key = `${t.topic}\u0000${p.partition}`;
        if (fenced.has(key)) {
          return { partitionIndex: p.partition, errorCode: KafkaError.UNKNOWN_LEADER_EPOCH, highWatermark: -1, abortedTransactions: null, records: null };
        }
        const r = byKey.get(key);
        return {
          partitionIndex: p.partition,
          errorCode: kafkaCodeOfWire(r?.error),
          highWatermark: r?.highWatermark ?? -1,
          lastStableOffset: r?.highWatermark ?? -1,
          logStartOffset: r?.logStartOffset ?? -1,
          abortedTransactions: null,
          records: r?.records ?? null,
        };
      }),
    })),
  };
};
