/**
 * Produce: append each partition's batches and answer per partition.
 *
 * The append itself (idempotence check, validation, offset assignment) is synchronous in
 * Partition.appendAsLeader; only the acknowledgement waits. acks 'all' waits for `committed` (the
 * high watermark passed the batch), 'leader' for `written`, both bounded by the command's
 * timeout (RequestTimedOutError, retriable: an idempotent retry is then answered as a
 * duplicate). acks 'none' appends and answers nothing, not even errors; those are logged.
 *
 * Both `written` and `committed` always get a rejection handler, whichever one is awaited, so a
 * failing disk never turns into an unhandled rejection.
 */
import { InvalidRecordBatchError, InvalidTopicNameError, type StrataError } from '../../../proto/errors.js';
import { PRODUCE_TIMEOUT_MS_DEFAULT, PRODUCE_TIMEOUT_MS_MAX } from '../../constants.js';
import { OFFSETS_TOPIC } from '../../groups/constants.js';
import type { Acks } from '../../partition/partition.js';
import { topicRefusal } from '../../security/request-authorization.js';
import { itemError } from '../item-error.js';
import { leaderPartition } from '../partition-leader.js';
import { NO_RESPONSE, type NoResponse, type RequestContext } from '../request-context.js';
import { withTimeout } from '../with-timeout.js';

export type { Acks };

export interface ProduceCommand {
  readonly acks: Acks;
  /** How long to wait for the acks; 0 means PRODUCE_TIMEOUT_MS_DEFAULT, capped at PRODUCE_TIMEOUT_MS_MAX. */
  readonly timeoutMs: number;
  readonly topics: readonly ProduceTopic[];
}

export interface ProduceTopic {
  readonly name: string;
  readonly partitions: readonly ProducePartition[];
}

export interface ProducePartition {
  readonly partition: number;
  /** Whole RecordBatch v2 batches, as the client sent them. */
  readonly records: Buffer;
}

export interface ProduceResult {
  readonly topics: Array<{ readonly name: string; readonly partitions: PartitionProduceResult[] }>;
}

export interface PartitionProduceResult {
  readonly partition: number;
  error: StrataError | null;
  /** -1 on error. */
  baseOffset: number;
  lastOffset: number;
  logAppendTimeMs: number;
  /** The log start after the append was accepted; null when the append was refused. */
  logStartOffset: number | null;
}

const noop = (): void => undefined;

export async function handleProduce(ctx: RequestContext, cmd: ProduceCommand): Promise<ProduceResult | NoResponse> {
  const { acks } = cmd;
  const timeoutMs = Math.min(cmd.timeoutMs || PRODUCE_TIMEOUT_MS_DEFAULT, PRODUCE_TIMEOUT_MS_MAX);
  const { replicas } = ctx.services;
  const waits: Promise<void>[] = [];
  const topicResults: ProduceResult['topics'] = [];

  for (const t of cmd.topics) {
    const name = t.name;
    const partitionResults: PartitionProduceResult[] = [];
    topicResults.push({ name, partitions: partitionResults });
    // Refused topics answer per partition and the rest of the request is served (Kafka's rule).
    const refused = topicRefusal(ctx, 'write', name);
    for (const pd of t.partitions) {
      const index = pd.partition;
      const out: PartitionProduceResult = {
        partition: index, error: null, baseOffset: -1, lastOffset: -1, logAppendTimeMs: -1, logStartOffset: null,
      };
      partitionResults.push(out);
      const fail = (err: unknown): void => {
        out.error = itemError(ctx, err, { api: 'produce', topic: name, partition: index });
        out.baseOffset = -1;
        out.lastOffset = -1;
        out.logAppendTimeMs = -1;
        if (acks === 'none') ctx.logger.warn({ err, topic: name, partition: index }, 'produce with acks=none failed');
        else ctx.logger.debug({ err, topic: name, partition: index }, 'produce failed');
      };
      try {
        if (refused) throw refused;
        // Committed offsets are the coordinator's to write (a cluster's offsets topic is a topic in etcd).
        if (name === OFFSETS_TOPIC) throw new InvalidTopicNameError(`${OFFSETS_TOPIC} is written by the group coordinator only`);
        const partition = leaderPartition(ctx.services, name, index);
        if (pd.records.length === 0) throw new InvalidRecordBatchError('no record batch in request');
        // In a cluster the replica manager appends: acks=all then waits for the ISR, and nothing
        // is acknowledged without a valid lease.
        // A producer id this broker has not seen issued yet: read the cluster's counter first.
        const confirming = replicas?.confirmProducerIds(pd.records);
        if (confirming) await confirming;
        const result = replicas ? replicas.produce(name, index, pd.records, acks) : partition.appendAsLeader(pd.records, acks);
        if (!result.duplicate) ctx.services.traffic?.produced(name, result.lastOffset - result.baseOffset + 1, pd.records.length);
        out.baseOffset = result.baseOffset;
        out.lastOffset = result.lastOffset;
        out.logAppendTimeMs = result.logAppendTimeMs;
        out.logStartOffset = partition.logStartOffset;
        result.written.catch(noop);
        result.committed?.catch(noop);
        if (acks === 'none') {
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
  if (acks === 'none') return NO_RESPONSE;
  await Promise.all(waits);
  return { topics: topicResults };
}
