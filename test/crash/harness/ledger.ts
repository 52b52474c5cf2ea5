/**
 * What producers sent and what the broker acknowledged: the oracle the crash tests check a
 * recovered log against.
 *
 * Every record value is derived from (producer index, sequence) alone: `p<k>s<seq>:<pad>` where
 * the padding length and bytes follow from the pair. So any record found in the log either is
 * byte for byte one that producer k really passed to send() as its seq-th record, or it is
 * garbage, whatever the crash did.
 *
 * Checks (`verifyPartition`):
 *   - every acknowledged record is present exactly once, at the offset it was acknowledged with;
 *   - offsets are dense from the log start (readPartition already refuses gaps between batches);
 *   - every record present was sent (value parses, seq below that producer's sent count, and the
 *     bytes equal the value it sent) and appears once;
 *   - per producer, sequences increase with offsets within a partition (order is kept).
 */
import type { DecodedRecord } from '../../../proto/record-batch.js';

/** Longest padding added to a value; varies batch sizes so kills land on different byte boundaries. */
const VALUE_PAD_BYTES_MAX = 48;

export function valueFor(producer: number, seq: number): Buffer {
  const head = `p${producer}s${seq}:`;
  const pad = (producer * 7919 + seq * 104729) % (VALUE_PAD_BYTES_MAX + 1);
  const buf = Buffer.alloc(head.length + pad);
  buf.write(head, 'latin1');
  for (let i = 0; i < pad; i++) buf[head.length + i] = 97 + ((seq + i * 31 + producer) % 26);
  return buf;
}

const VALUE_PATTERN = /^p(\d+)s(\d+):/;

export function parseValue(value: Buffer | null): { producer: number; seq: number } | null {
  if (!value) return null;
  const m = VALUE_PATTERN.exec(value.subarray(0, 32).toString('latin1'));
  if (!m) return null;
  return { producer: Number(m[1]), seq: Number(m[2]) };
}

export interface Ack {
  partition: number;
  offset: number;
}

export class Ledger {
  /** Records passed to send(), per producer (seq 0 .. sent-1). */
  readonly sent: number[];
  /** Acknowledged records: key `${producer}:${seq}`. */
  readonly acked = new Map<string, Ack>();
  /** Sends that failed for good (outcome unknown: the records may or may not be in the log). */
  failedRecords = 0;

  constructor(readonly producers: number) {
    this.sent = new Array<number>(producers).fill(0);
  }

  nextSeq(producer: number): number {
    return this.sent[producer]!++;
  }

  ack(producer: number, seq: number, partition: number, offset: number): void {
    const key = `${producer}:${seq}`;
    const prior = this.acked.get(key);
    if (prior && (prior.partition !== partition || prior.offset !== offset)) {
      throw new Error(`record ${key} acknowledged twice: ${prior.partition}@${prior.offset} and ${partition}@${offset}`);
    }
    this.acked.set(key, { partition, offset });
  }

  /** Acknowledged records in `partition`, as offset → key. */
  ackedIn(partition: number): Map<number, string> {
    const out = new Map<number, string>();
    for (const [key, a] of this.acked) if (a.partition === partition) out.set(a.offset, key);
    return out;
  }
}

export interface PartitionCheck {
  records: number;
  acked: number;
  /** Records present that were never acknowledged (sent, outcome unknown to the producer). */
  unacknowledged: number;
}

/**
 * Checks one partition's records (from offset `from`; earlier offsets were verified before and
 * `seenBefore` holds their keys) against the ledger. Throws an Error describing the first
 * violation.
 */
export function verifyPartition(
  ledger: Ledger, partition: number, records: readonly DecodedRecord[], logStart: number, from: number,
  seenBefore: Set<string>, lastSeqBefore: Map<number, number>, highWatermark: number,
): PartitionCheck {
  const where = (r: DecodedRecord): string => `partition ${partition} offset ${r.offset}`;
  let expect = Math.max(logStart, from);
  let unacknowledged = 0;
  const acked = ledger.ackedIn(partition);
  for (const r of records) {
    if (r.offset !== expect) throw new Error(`offsets are not dense: expected ${expect}, found ${r.offset} in partition ${partition}`);
    expect++;
    const id = parseValue(r.value);
    if (!id) throw new Error(`garbage record at ${where(r)}: ${r.value?.subarray(0, 40).toString('hex')}`);
    if (id.producer >= ledger.producers || id.seq >= ledger.sent[id.producer]!) {
      throw new Error(`record p${id.producer}s${id.seq} at ${where(r)} was never sent`);
    }
    if (!r.value!.equals(valueFor(id.producer, id.seq))) throw new Error(`record at ${where(r)} has bytes no producer sent`);
    const key = `${id.producer}:${id.seq}`;
    if (seenBefore.has(key)) throw new Error(`record ${key} appears twice (again at ${where(r)})`);
    seenBefore.add(key);
    const last = lastSeqBefore.get(id.producer);
    if (last !== undefined && id.seq <= last) {
      throw new Error(`producer ${id.producer} order broken in partition ${partition}: seq ${id.seq} at offset ${r.offset} after seq ${last}`);
    }
    lastSeqBefore.set(id.producer, id.seq);
    const ack = ledger.acked.get(key);
    if (ack) {
      if (ack.partition !== partition || ack.offset !== r.offset) {
        throw new Error(`record ${key} acknowledged at ${ack.partition}@${ack.offset} but found at ${where(r)}`);
      }
    } else {
      unacknowledged++;
    }
  }
  if (expect !== highWatermark) throw new Error(`partition ${partition} read up to ${expect} but its high watermark is ${highWatermark}`);
  let ackedCount = 0;
  for (const [offset, key] of acked) {
    ackedCount++;
    if (offset < logStart) throw new Error(`acknowledged record ${key} at offset ${offset} is below the log start ${logStart}`);
    if (offset >= highWatermark) throw new Error(`acknowledged record ${key} at offset ${offset} is missing: partition ${partition} ends at ${highWatermark}`);
    if (offset >= from && !seenBefore.has(key)) throw new Error(`acknowledged record ${key} is not at its offset ${offset}`);
  }
  return { records: records.length, acked: ackedCount, unacknowledged };
}
