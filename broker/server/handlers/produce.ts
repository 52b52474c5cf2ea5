/**
 * Produce: append each partition's batches and answer per partition.
 *
 * The append itself (idempotence check, validation, offset assignment) is synchronous in
 * Partition.appendAsLeader; only the acknowledgement waits. acks=ALL waits for `committed` (the
 * high watermark passed the batch), acks=LEADER for `written`, both bounded by the request's timeout (RequestTimedOutError, retriable: an
 * idempotent retry is then answered as a duplicate). acks=NONE appends and sends nothing, not
 * even errors; those are logged.
 *
 * Both `written` and `committed` always get a rejection handler, whichever one is awaited, so a
 * failing disk never turns into an unhandled rejection.
 */
import { InvalidRequestError, InvalidRecordBatchError, errorToWire } from '../../../proto/errors.js';
import { pb } from '../../../proto/messages.js';
import { PRODUCE_TIMEOUT_MS_DEFAULT, PRODUCE_TIMEOUT_MS_MAX } from '../../constants.js';
import { NO_RESPONSE, type NoResponse, type RequestContext } from '../request-context.js';
import { asBuffer, withTimeout } from '../with-timeout.js';
import type { Acks } from '../../partition/partition.js';
import type { strata } from '../../../proto/gen/strata.js';

const noop = (): void => undefined;

const ACKS_NAMES: Readonly<Record<number, Acks>> = {
  [pb.Acks.ACKS_ALL]: 'all',
  [pb.Acks.ACKS_LEADER]: 'leader',
  [pb.Acks.ACKS_NONE]: 'none',
};

export async function handleProduce(
  ctx: RequestContext,
  req: strata.v1.ProduceRequest.$Properties,
): Promise<strata.v1.ProduceResponse.$Properties | NoResponse> {
  const acks = req.acks ?? pb.Acks.ACKS_ALL;
  if (acks !== pb.Acks.ACKS_ALL && acks !== pb.Acks.ACKS_LEADER && acks !== pb.Acks.ACKS_NONE) {
    throw new InvalidRequestError(`unknown acks value ${acks}`);
  }
  const timeoutMs = Math.min(req.timeoutMs || PRODUCE_TIMEOUT_MS_DEFAULT, PRODUCE_TIMEOUT_MS_MAX);
  const { topics } = ctx.services;
  const waits: Promise<void>[] = [];
  const topicResults: strata.v1.TopicProduceResponse.$Properties[] = [];

  for (const t of req.topics ?? []) {
    const name = t.name ?? '';
    const partitionResults: strata.v1.PartitionProduceResponse.$Properties[] = [];
    topicResults.push({ name, partitions: partitionResults });
    for (const pd of t.partitions ?? []) {
      const index = pd.partition ?? 0;
      const out: strata.v1.PartitionProduceResponse.$Properties = { partition: index };
      partitionResults.push(out);
      const fail = (err: unknown): void => {
        out.error = errorToWire(err);
        out.baseOffset = -1;
        out.lastOffset = -1;
        out.logAppendTimeMs = -1;
        if (acks === pb.Acks.ACKS_NONE) ctx.logger.warn({ err, topic: name, partition: index }, 'produce with acks=none failed');
        else ctx.logger.debug({ err, topic: name, partition: index }, 'produce failed');
      };
      try {
        const partition = topics.partition(name, index);
        const records = asBuffer(pd.records);
        if (records.length === 0) throw new InvalidRecordBatchError('no record batch in request');
        const result = partition.appendAsLeader(records, ACKS_NAMES[acks]);
        out.baseOffset = result.baseOffset;
        out.lastOffset = result.lastOffset;
        out.logAppendTimeMs = result.logAppendTimeMs;
        out.logStartOffset = partition.logStartOffset;
        result.written.catch(noop);
        result.committed?.catch(noop);
        if (acks === pb.Acks.ACKS_NONE) {
          result.written.catch(fail);
        } else {
          const ack = result.committed ?? result.written;
          waits.push(withTimeout(ack, timeoutMs, 'produce').then(noop, fail));
        }
      } catch (err) {
        fail(err);
      }
    }
  }
  if (acks === pb.Acks.ACKS_NONE) return NO_RESPONSE;
  await Promise.all(waits);
  return { topics: topicResults };
}
