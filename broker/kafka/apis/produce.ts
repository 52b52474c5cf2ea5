/**
 * Produce: each partition's record batches are appended as they came (compressed ones too),
 * through the same produce handler the WebSocket protocol uses, so idempotence, validation,
 * offsets and acks are one code path. Kafka acks: 0 (no answer at all), 1 (after the write),
 * -1 (after the write is durable under the topic's flush policy).
 *
 * Only RecordBatch v2 (magic 2) is stored: a partition whose data starts with an older message
 * set (magic 0 or 1, what Produce v0-2 clients of old brokers send) is refused with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT before anything of it is appended. There is no transaction
 * coordinator, so a request naming a transactional id gets INVALID_REQUEST.
 */
import { RECORD_BATCH_MAGIC } from '../../../proto/constants.js';
import { OFFSET_MAGIC } from '../../../proto/record-batch.js';
import { handleProduce as produceAppend, type Acks } from '../../server/api/produce.js';
import { NO_RESPONSE as WS_NO_RESPONSE } from '../../server/request-context.js';
import { requestContextOf } from '../kafka-context.js';
import { kafkaCodeOfWire, KafkaError } from '../kafka-errors.js';
import { NO_RESPONSE, type KafkaHandler } from './types.js';

const ACKS: Readonly<Record<number, Acks>> = { 0: 'none', 1: 'leader', [-1]: 'all' };

export const handleProduce: KafkaHandler<'produce'> = async (ctx, req) => {
  const { body } = req;
  const acks = ACKS[body.acks];
  const refused = (code: number, message: string) => ({
    responses: body.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: code, baseOffset: -1, errorMessage: message })),
    })),
  });
  if (acks === undefined) return refused(KafkaError.INVALID_REQUEST, `acks must be -1, 0 or 1, got ${body.acks}`);
  if (body.transactionalId !== null) {
    if (acks === 'none') return NO_RESPONSE;
    return refused(KafkaError.INVALID_REQUEST, 'transactions are not supported by this broker');
  }
  // Partitions with an old message format are answered here; the rest go to the append.
  const oldFormat = new Set<string>();
  const topics = body.topicData.map((t) => ({
    name: t.name,
    partitions: t.partitionData.flatMap((p) => {
      const records = p.records;
      if (records && records.length > OFFSET_MAGIC && records[OFFSET_MAGIC] !== RECORD_BATCH_MAGIC) {
        oldFormat.add(`${t.name}\u0000${p.index}`);
        return [];
      }
      return [{ partition: p.index, records: records ?? Buffer.alloc(0) }];
    }),
  }));
  const appended = await produceAppend(requestContextOf(ctx), { acks, timeoutMs: Math.max(0, body.timeoutMs), topics });
  if (appended === WS_NO_RESPONSE) return NO_RESPONSE;
  const results = new Map<string, { baseOffset: number; logStartOffset: number; error: { code: number; message: string } | null }>();
  for (const t of appended.topics) {
    for (const p of t.partitions) {
      results.set(`${t.name}\u0000${p.partition}`, { baseOffset: p.baseOffset, logStartOffset: p.logStartOffset ?? -1, error: p.error });
    }
  }
  return {
    responses: body.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => {
        const key = `${t.name}\u0000${p.index}`;
        if (oldFormat.has(key)) {
          return { index: p.index, errorCode: KafkaError.UNSUPPORTED_FOR_MESSAGE_FORMAT, baseOffset: -1,
            errorMessage: `only message format v2 (magic ${RECORD_BATCH_MAGIC}) is stored` };
        }
        const r = results.get(key);
        const errorCode = kafkaCodeOfWire(r?.error);
        return {
          index: p.index,
          errorCode,
          baseOffset: errorCode === KafkaError.NONE ? r!.baseOffset : -1,
          logAppendTimeMs: -1,
          logStartOffset: r?.logStartOffset ?? -1,
          errorMessage: r?.error?.message ?? null,
        };
      }),
    })),
  };
};
