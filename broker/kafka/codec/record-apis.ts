/**
 * Produce and Fetch, the two APIs that carry records, mapped onto the wire-neutral commands of
 * broker/server/api/ (the handlers the WebSocket protocol runs too), and their results back onto
 * Kafka's layouts. The mapping is per partition, never per record: batches travel as they came
 * and as they lie on disk.
 *
 * Produce: acks 0/1/-1 are 'none'/'leader'/'all'. Only RecordBatch v2 (magic 2) is stored: a
 * partition whose data starts with an older message set (magic 0 or 1) is left out of the
 * command and answered UNSUPPORTED_FOR_MESSAGE_FORMAT. There is no transaction coordinator, so a
 * request naming a transactional id is refused with INVALID_REQUEST (unanswered under acks 0).
 *
 * Fetch: Kafka's long poll (max_wait_ms, min_bytes, max_bytes, per-partition max bytes), the
 * client's leader epoch checked per partition (KIP-320; -1 is "not sent"). No fetch sessions
 * (KIP-227): every answer carries session id 0, which tells the client to keep sending full
 * fetches; an incremental fetch naming a session gets FETCH_SESSION_ID_NOT_FOUND. read_committed
 * reads like read_uncommitted (no transactions: the last stable offset is the high watermark).
 */
import { RECORD_BATCH_MAGIC } from '../../../proto/constants.js';
import type { KafkaRequestOf, KafkaResponseBody } from '../../../proto/kafka/index.js';
import { OFFSET_MAGIC } from '../../../proto/record-batch.js';
import type { FetchCommand, FetchResult, PartitionFetchResult } from '../../server/api/fetch.js';
import type { Acks, ProduceCommand, ProduceResult } from '../../server/api/produce.js';
import { kafkaErrorCode, KafkaError } from '../kafka-errors.js';
import type { DirectAnswer, SharedMapping } from './shared-mapping.js';

const ACKS: Readonly<Record<number, Acks>> = { 0: 'none', 1: 'leader', [-1]: 'all' };

export interface ProduceMapping {
  readonly command: ProduceCommand;
  /** `topic\0partition` of partitions left out for their old message format. */
  readonly oldFormat: ReadonlySet<string> | null;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export function produceCommandOf(req: KafkaRequestOf<'produce'>): ProduceMapping | DirectAnswer<KafkaResponseBody<'produce'>> {
  const { body } = req;
  const acks = ACKS[body.acks];
  const refused = (code: number, message: string) => ({
    responses: body.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: code, baseOffset: -1, errorMessage: message })),
    })),
  });
  if (acks === undefined) {
    const reason = `acks must be -1, 0 or 1, got ${body.acks}`;
    return { answer: refused(KafkaError.INVALID_REQUEST, reason), reason };
  }
  if (body.transactionalId !== null) {
    const reason = 'transactions are not supported by this broker';
    return { answer: acks === 'none' ? null : refused(KafkaError.INVALID_REQUEST, reason), reason };
  }
  let oldFormat: Set<string> | null = null;
  const topics = body.topicData.map((t) => ({
    name: t.name,
    partitions: t.partitionData.flatMap((p) => {
      const records = p.records;
      if (records && records.length > OFFSET_MAGIC && records[OFFSET_MAGIC] !== RECORD_BATCH_MAGIC) {
        (oldFormat ??= new Set()).add(key(t.name, p.index));
        return [];
      }
      return [{ partition: p.index, records: records ?? Buffer.alloc(0) }];
    }),
  }));
  return { command: { acks, timeoutMs: Math.max(0, body.timeoutMs), topics }, oldFormat };
}

export function produceBodyOf(
  req: KafkaRequestOf<'produce'>, oldFormat: ReadonlySet<string> | null, result: ProduceResult,
): KafkaResponseBody<'produce'> {
  // The handler answers topics in command order, partitions in command order within each; the
  // command is the request minus old-format partitions, so walking both in step pairs them.
  return {
    responses: req.body.topicData.map((t, ti) => {
      const appended = result.topics[ti]!.partitions;
      let next = 0;
      return {
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          if (oldFormat?.has(key(t.name, p.index))) {
            return { index: p.index, errorCode: KafkaError.UNSUPPORTED_FOR_MESSAGE_FORMAT, baseOffset: -1,
              errorMessage: `only message format v2 (magic ${RECORD_BATCH_MAGIC}) is stored` };
          }
          const r = appended[next++]!;
          const errorCode = r.error ? kafkaErrorCode(r.error) : KafkaError.NONE;
          return {
            index: p.index,
            errorCode,
            baseOffset: errorCode === KafkaError.NONE ? r.baseOffset : -1,
            logAppendTimeMs: -1,
            logStartOffset: r.logStartOffset ?? -1,
            errorMessage: r.error?.message ?? null,
          };
        }),
      };
    }),
  };
}

export function fetchCommandOf(req: KafkaRequestOf<'fetch'>): FetchCommand | DirectAnswer<KafkaResponseBody<'fetch'>> {
  const { body } = req;
  if (body.sessionId !== 0) {
    return { answer: { errorCode: KafkaError.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] }, reason: 'fetch sessions are not supported' };
  }
  return {
    maxWaitMs: Math.max(0, body.maxWaitMs),
    minBytes: Math.max(0, body.minBytes),
    maxBytes: Math.max(0, body.maxBytes),
    topics: body.topics.map((t) => ({
      name: t.topic,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: Math.max(0, p.partitionMaxBytes),
        currentLeaderEpoch: p.currentLeaderEpoch < 0 ? null : p.currentLeaderEpoch,
      })),
    })),
  };
}

/** The records in the body are views of the result's read buffers: the frame releases them once written. */
export function fetchBodyOf(req: KafkaRequestOf<'fetch'>, result: FetchResult): KafkaResponseBody<'fetch'> {
  const byKey = new Map<string, PartitionFetchResult>();
  for (const t of result.topics) for (const p of t.partitions) byKey.set(key(t.name, p.partition), p);
  return {
    errorCode: KafkaError.NONE,
    sessionId: 0,
    responses: req.body.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const r = byKey.get(key(t.topic, p.partition));
        return {
          partitionIndex: p.partition,
          errorCode: r?.error ? kafkaErrorCode(r.error) : r ? KafkaError.NONE : KafkaError.UNKNOWN_SERVER_ERROR,
          highWatermark: r?.highWatermark ?? -1,
          lastStableOffset: r?.highWatermark ?? -1,
          logStartOffset: r?.logStartOffset ?? -1,
          abortedTransactions: null,
          records: r?.records ?? null,
        };
      }),
    })),
  };
}

export const produce: SharedMapping<'produce'> = {
  shared: 'produce',
  command(req) {
    const mapped = produceCommandOf(req);
    return 'answer' in mapped ? mapped : { command: mapped.command, extra: mapped.oldFormat };
  },
  body: (req, result, extra) => produceBodyOf(req, extra as ReadonlySet<string> | null, result as ProduceResult),
};

export const fetch: SharedMapping<'fetch'> = {
  shared: 'fetch',
  command(req) {
    const mapped = fetchCommandOf(req);
    return 'answer' in mapped ? mapped : { command: mapped };
  },
  body: (req, result) => fetchBodyOf(req, result as FetchResult),
};
