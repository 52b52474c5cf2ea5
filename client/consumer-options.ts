/**
 * Consumer options and the shapes the consumer hands out.
 */
import { FRAME_BYTES_MAX } from '../proto/constants.js';
import { InvalidConfigError } from '../proto/errors.js';
import type { RecordHeader } from '../proto/record-batch.js';
import {
  CONSUMER_BUFFER_BYTES_DEFAULT, FETCH_BYTES_MAX_DEFAULT, FETCH_MIN_BYTES_DEFAULT, FETCH_PARTITION_BYTES_MAX_DEFAULT,
  FETCH_WAIT_MS_DEFAULT,
} from './constants.js';
import type { OffsetSpec } from './list-offsets.js';
import type { RetryOptions } from './retry.js';

/**
 * A consumed record. Key and value are byte views into the fetched bytes (typed Uint8Array;
 * on Node they are Buffers, as they always were), or strings with `decode: 'utf8'`.
 */
export interface ConsumerRecord<V = Uint8Array> {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  key: V | null;
  value: V | null;
  headers: RecordHeader[];
  /**
   * Bytes of the key as stored, -1 for a null key (Kafka's `serializedKeySize`). Reading it
   * decodes nothing, so counting bytes costs no Uint8Array or string per record.
   */
  keySize: number;
  /** Bytes of the value as stored, -1 for a null value (Kafka's `serializedValueSize`). */
  valueSize: number;
}

/** Records of one partition from one fetch, in offset order (`consumer.batches()`). */
export interface ConsumerBatch<V = Uint8Array> {
  topic: string;
  partition: number;
  records: ConsumerRecord<V>[];
  /** The partition's high watermark when fetched: `highWatermark - lastOffset - 1` is the lag. */
  highWatermark: number;
}

/** A topic-partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * What assign() takes: one partition (with `partition`) or every partition of a topic
 * (without), starting at `offset`.
 */
export interface Assignment {
  topic: string;
  partition?: number;
  /** @default the consumer's `defaultOffset` */
  offset?: OffsetSpec;
}

/** Options of `client.consumer()`. */
export interface ConsumerOptions {
  /** Where assign() starts partitions given without an offset. @default 'latest' */
  defaultOffset?: 'earliest' | 'latest';
  /** 'utf8' turns keys and values into strings; header values stay Buffers. @default 'buffer' */
  decode?: 'buffer' | 'utf8';
  /** Longest a fetch waits at the broker for data (long poll). @default 500 */
  maxWaitMs?: number;
  /** Bytes the broker waits for before answering early. @default 1 */
  minBytes?: number;
  /** Record bytes one fetch may return across partitions. @default 16777216 (16 MiB) */
  maxBytes?: number;
  /** Record bytes one fetch may return per partition. @default 4194304 (4 MiB) */
  partitionMaxBytes?: number;
  /**
   * Fetched bytes held before the application reads them; no fetch goes out above it, and a
   * partition holding two fetches' worth (2 x `partitionMaxBytes`) is not fetched again until
   * read. @default 33554432 (32 MiB)
   */
  bufferBytesMax?: number;
  /** Verify each batch's CRC32C before decoding. @default true */
  checkCrcs?: boolean;
  /**
   * Push delivery: a partition that has caught up with its high watermark is subscribed at its
   * leader, which then sends new batches as they are committed, instead of being fetched batch by
   * batch (less CPU on both sides, fewer frames). Partitions that are behind are fetched as
   * before; a subscription that fails (leader moved, broker without push) falls back to fetching.
   * At most `bufferBytesMax` bytes may be on their way per broker (credit). `false`: always fetch.
   * @default true
   */
  push?: boolean;
  /** Backoff for retriable fetch errors (the consumer keeps retrying). @default the client's `retry` */
  retry?: RetryOptions;
}

export interface ResolvedConsumerOptions {
  defaultOffset: 'earliest' | 'latest';
  decodeUtf8: boolean;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
  bufferBytesMax: number;
  checkCrcs: boolean;
  push: boolean;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(`consumer ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveConsumerOptions(o: ConsumerOptions = {}): ResolvedConsumerOptions {
  const defaultOffset = o.defaultOffset ?? 'latest';
  if (defaultOffset !== 'earliest' && defaultOffset !== 'latest') {
    throw new InvalidConfigError(`consumer defaultOffset must be earliest or latest, got ${String(defaultOffset)}`);
  }
  const decode = o.decode ?? 'buffer';
  if (decode !== 'buffer' && decode !== 'utf8') throw new InvalidConfigError(`consumer decode must be buffer or utf8, got ${String(decode)}`);
  const maxBytes = checkRange('maxBytes', o.maxBytes ?? FETCH_BYTES_MAX_DEFAULT, 1, FRAME_BYTES_MAX);
  const partitionMaxBytes = checkRange('partitionMaxBytes', o.partitionMaxBytes ?? Math.min(FETCH_PARTITION_BYTES_MAX_DEFAULT, maxBytes), 1, maxBytes);
  return {
    defaultOffset,
    decodeUtf8: decode === 'utf8',
    maxWaitMs: checkRange('maxWaitMs', o.maxWaitMs ?? FETCH_WAIT_MS_DEFAULT, 0, 300_000),
    minBytes: checkRange('minBytes', o.minBytes ?? FETCH_MIN_BYTES_DEFAULT, 0, maxBytes),
    maxBytes,
    partitionMaxBytes,
    bufferBytesMax: checkRange('bufferBytesMax', o.bufferBytesMax ?? Math.max(CONSUMER_BUFFER_BYTES_DEFAULT, maxBytes), maxBytes, 2 ** 40),
    checkCrcs: o.checkCrcs ?? true,
    push: o.push ?? true,
  };
}
