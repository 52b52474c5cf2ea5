/**
 * The fields of each batch of a produce that the partition checks before appending: attributes
 * (control batches are the broker's to write) and the idempotence fields (producer id, epoch,
 * base sequence, lastOffsetDelta), read from the 61-byte headers without touching records.
 * Framing is only walked, not validated: the local log validates length, magic and CRC.
 */
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import { readInt64BE } from '../../proto/int64.js';
import {
  OFFSET_ATTRIBUTES, OFFSET_BATCH_LENGTH, OFFSET_BASE_SEQUENCE, OFFSET_LAST_OFFSET_DELTA, OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID,
} from '../../proto/record-batch.js';
import type { BatchIdentity } from './producer-state.js';

export interface BatchSpanIdentity {
  /** Byte position of the batch in the produce's records. */
  readonly pos: number;
  /** The batch's attributes (compression, timestamp type, transactional, control bits). */
  readonly attributes: number;
  readonly id: BatchIdentity;
}

/** Walks batch framing (header presence and batchLength only); null if it does not add up. */
export function readBatchIdentities(buf: Buffer): BatchSpanIdentity[] | null {
  const spans: BatchSpanIdentity[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < BATCH_HEADER_BYTES) return null;
    const total = BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (total < BATCH_HEADER_BYTES || total > buf.length - pos) return null;
    let producerId: number;
    try {
      producerId = readInt64BE(buf, pos + OFFSET_PRODUCER_ID);
    } catch {
      return null;
    }
    spans.push({
      pos,
      attributes: buf.readInt16BE(pos + OFFSET_ATTRIBUTES),
      id: {
        producerId,
        epoch: buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH),
        firstSeq: buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE),
        lastOffsetDelta: buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA),
      },
    });
    pos += total;
  }
  return spans.length > 0 ? spans : null;
}
