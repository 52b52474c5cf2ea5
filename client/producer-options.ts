/**
 * Producer options, their defaults and validation, and the message types send() accepts.
 */
import { BATCH_BYTES_MAX } from '../proto/constants.js';
import { InvalidConfigError } from '../proto/errors.js';
import { COMPRESSION_NAMES, isCompressionName, type CompressionName } from '../proto/compression.js';
import {
  BATCH_BYTES_DEFAULT, BUFFER_WAIT_MS_DEFAULT, DELIVERY_TIMEOUT_MS_DEFAULT, IN_FLIGHT_BATCHES_PER_PARTITION_MAX, LINGER_MS_DEFAULT,
  PRODUCER_BUFFER_BYTES_DEFAULT,
} from './constants.js';
import type { RetryOptions } from './retry.js';
import type { HeadersInput, RecordData } from './values.js';

/**
 * When the broker answers a produce: `all` after the append is durable under the topic's flush
 * policy (fsync'ed under `always`), `leader` after the append, `none` never (fire and forget:
 * send() resolves once the frame is written to the socket, offsets are -1).
 */
export type Acks = 'all' | 'leader' | 'none';

/** Wire values of the protobuf `Acks` enum. */
export const ACKS_WIRE: Readonly<Record<Acks, number>> = Object.freeze({ all: 0, leader: 1, none: 2 });
export const ACKS_NONE_WIRE = ACKS_WIRE.none;

/** One record to produce. */
export interface ProducerMessage {
  /** Records with the same key go to the same partition (murmur2, as Kafka's Java client). @default null */
  key?: RecordData;
  value: RecordData;
  /** Explicit partition; wins over the key. @default chosen from the key (murmur2), or the sticky partition without one */
  partition?: number;
  /** Milliseconds since the epoch. @default the time its batch was opened (at most lingerMs before send()) */
  timestamp?: number;
  /** @default none */
  headers?: HeadersInput;
}

/** The argument of `producer.send()`. */
export interface ProducerRecord {
  topic: string;
  messages: readonly ProducerMessage[];
  /** Overrides the producer's acks for these messages. @default the producer's `acks` */
  acks?: Acks;
}

/** Options of `client.producer()`. */
export interface ProducerOptions {
  /** @default 'all' */
  acks?: Acks;
  /**
   * Idempotent producer: the broker drops retried duplicates, so a retry never writes a record
   * twice, and order is kept per partition. Requires acks other than 'none'.
   * @default true (false when acks is 'none')
   */
  idempotent?: boolean;
  /**
   * Compression of each batch's records, written as Kafka's producers write it: gzip, snappy
   * (xerial-framed, as the Java client), lz4 (one LZ4 frame) or zstd (level 3).
   * @default 'none'
   */
  compression?: CompressionName;
  /** How long a batch waits for more records before it is sent. @default 5 */
  lingerMs?: number;
  /** Target size of one batch in bytes; a single larger record gets a batch of its own. @default 1048576 (1 MiB) */
  batchBytesMax?: number;
  /** Bytes of records held (queued and in flight) before send() waits for room. @default 33554432 (32 MiB) */
  bufferBytesMax?: number;
  /** How long send() may wait for room in the buffer before failing with RequestTimedOutError. @default 60000 */
  bufferTimeoutMs?: number;
  /**
   * Upper bound on the time from a record's batch opening to its acknowledgement, retries
   * included (Kafka's delivery.timeout.ms): a batch still unacknowledged then — its partition
   * has no leader, its leader cannot be reached, or it keeps being refused with retriable
   * errors — fails its send() calls with DeliveryTimeoutError (retriable, `cause` = the last
   * failure) and gives its buffer back. A retry that would come after the deadline is not made:
   * the batch fails then, up to one retry backoff early. A batch already in flight gets its answer or its request
   * timeout first, so a send() settles within deliveryTimeoutMs + the client's requestTimeoutMs.
   * With idempotence, the records after a timed-out batch are renumbered under a new producer id.
   * @default 120000
   */
  deliveryTimeoutMs?: number;
  /** Batches in flight per partition (at most 5 with idempotence, so retries stay deduplicated). @default 5 */
  inFlightBatchesPerPartition?: number;
  /**
   * Overrides the client's retry options for produce requests. Batches retry until
   * deliveryTimeoutMs unless `retries` is given here or on the client. @default the client's `retry`
   */
  retry?: RetryOptions;
}

export interface ResolvedProducerOptions {
  acks: number;
  idempotent: boolean;
  compression: CompressionName;
  lingerMs: number;
  batchBytesMax: number;
  bufferBytesMax: number;
  bufferTimeoutMs: number;
  deliveryTimeoutMs: number;
  inFlightBatchesPerPartition: number;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InvalidConfigError(`producer ${name} must be in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveProducerOptions(o: ProducerOptions = {}): ResolvedProducerOptions {
  const acks = o.acks ?? 'all';
  if (!(acks in ACKS_WIRE)) throw new InvalidConfigError(`producer acks must be all, leader or none, got ${String(acks)}`);
  const idempotent = o.idempotent ?? acks !== 'none';
  if (idempotent && acks === 'none') throw new InvalidConfigError('an idempotent producer needs acks all or leader');
  const compression = o.compression ?? 'none';
  if (!isCompressionName(compression)) throw new InvalidConfigError(`compression must be one of ${COMPRESSION_NAMES.join(', ')}, got ${String(compression)}`);
  const batchBytesMax = checkRange('batchBytesMax', o.batchBytesMax ?? BATCH_BYTES_DEFAULT, 1024, BATCH_BYTES_MAX);
  const bufferBytesMax = checkRange('bufferBytesMax', o.bufferBytesMax ?? PRODUCER_BUFFER_BYTES_DEFAULT, batchBytesMax, 2 ** 40);
  const inFlightMax = idempotent ? IN_FLIGHT_BATCHES_PER_PARTITION_MAX : 1000;
  return {
    acks: ACKS_WIRE[acks],
    idempotent,
    compression,
    lingerMs: checkRange('lingerMs', o.lingerMs ?? LINGER_MS_DEFAULT, 0, 60_000),
    batchBytesMax,
    bufferBytesMax,
    bufferTimeoutMs: checkRange('bufferTimeoutMs', o.bufferTimeoutMs ?? BUFFER_WAIT_MS_DEFAULT, 0, 2 ** 31 - 1),
    deliveryTimeoutMs: checkRange('deliveryTimeoutMs', o.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS_DEFAULT, 1, 2 ** 31 - 1),
    inFlightBatchesPerPartition: checkRange('inFlightBatchesPerPartition',
      o.inFlightBatchesPerPartition ?? IN_FLIGHT_BATCHES_PER_PARTITION_MAX, 1, inFlightMax),
  };
}
