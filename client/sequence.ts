/**
 * Idempotent-producer bookkeeping shared by the producer and its tests.
 *
 * Each batch carries (producerId, producerEpoch, baseSequence) in its header (bytes 43-56 of
 * the RecordBatch v2 layout, inside the CRC-covered region). The sequence of a partition grows
 * by the record count of each batch and wraps from 2^31 - 1 to 0, exactly like Kafka's
 * `DefaultRecordBatch.incrementSequence`, so the broker can tell a retry (same sequence) from a
 * gap (OutOfOrderSequenceError).
 */
import assert from '../proto/assert.js';
import { crc32c } from '../proto/crc32c.js';
import { writeInt64BE } from '../proto/int64.js';
import {
  OFFSET_ATTRIBUTES, OFFSET_BASE_SEQUENCE, OFFSET_CRC, OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID,
} from '../proto/record-batch.js';
import { PRODUCER_SEQUENCE_MAX } from './constants.js';
import { writeInt16BE, writeInt32BE, writeUInt32BE } from '../proto/bytes.js';

/** The sequence after `sequence` once `increment` more records have been assigned. */
export function incrementSequence(sequence: number, increment: number): number {
  assert.ok(sequence >= 0 && sequence <= PRODUCER_SEQUENCE_MAX && increment >= 0);
  if (sequence > PRODUCER_SEQUENCE_MAX - increment) return increment - (PRODUCER_SEQUENCE_MAX - sequence) - 1;
  return sequence + increment;
}

/**
 * Rewrites the producer fields of an encoded batch and its CRC, for a batch that must be sent
 * again under a new producer id or sequence (its records are unchanged).
 */
export function restampProducer(batch: Uint8Array, producerId: number, producerEpoch: number, baseSequence: number): void {
  writeInt64BE(batch, producerId, OFFSET_PRODUCER_ID);
  writeInt16BE(batch, producerEpoch, OFFSET_PRODUCER_EPOCH);
  writeInt32BE(batch, baseSequence, OFFSET_BASE_SEQUENCE);
  writeUInt32BE(batch, crc32c(batch.subarray(OFFSET_ATTRIBUTES)), OFFSET_CRC);
}

/**
 * The sequences of one partition under the current producer id. `next` is the baseSequence the
 * next batch gets; `assign` hands it out and advances it.
 */
export class PartitionSequence {
  next = 0;

  assign(recordCount: number): number {
    const base = this.next;
    this.next = incrementSequence(base, recordCount);
    return base;
  }

  reset(): void {
    this.next = 0;
  }
}
