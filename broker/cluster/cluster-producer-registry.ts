/**
 * Which producer ids a replicated partition accepts (issue 17's forged-id check, cluster-wide):
 * any id the cluster's counter in etcd has handed out, whichever broker handed it out — the
 * partition's leader is often not the broker the producer got its id from — and no other.
 *
 * The counter only grows (producer-id-counter.ts) and every id below it may have been issued,
 * so one number is the whole registry: `issuedBelow`, the counter as this broker last saw it
 * (read at join, raised by every block it reserves itself and by every read).
 *
 * The check a partition makes per batch is synchronous (checkProduce), so the produce path asks
 * first, per request: confirm(records) returns null when every producer id in the batches is
 * below `issuedBelow` (the usual case: no await), else a read of the counter that STARTS after
 * the call. A producer holds its id only after the issuing broker's compare-and-swap committed,
 * and sends after that, so a read started once its batch arrived sees the id if any broker
 * issued it; an id still at or above the counter then was never issued, and checkProduce refuses
 * it with UnknownProducerIdError (non-retriable, as on a broker alone).
 *
 * Epochs: a partition's producer state still fences stale epochs and sequence gaps; an epoch a
 * broker never issued for an issued id is not checked here (the bumps live in the issuing
 * broker's own file).
 */
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import { UnknownProducerIdError } from '../../proto/errors.js';
import { readInt64BE } from '../../proto/int64.js';
import { OFFSET_BATCH_LENGTH, OFFSET_PRODUCER_ID } from '../../proto/record-batch.js';
import type { ProducerRegistry } from '../partition/producer-ids.js';

export class ClusterProducerRegistry implements ProducerRegistry {
  private issuedBelow = 0;
  /** The read in flight, and whether a caller needs one that starts after it. */
  private reading: Promise<void> | null = null;
  private readAgain: Promise<void> | null = null;

  /** `current` reads the counter in etcd (ProducerIdCounter.current). */
  constructor(private readonly current: () => Promise<number>) {}

  /** Every id below `n` may have been issued (this broker reserved up to it, or read it). */
  noteIssuedBelow(n: number): void {
    if (n > this.issuedBelow) this.issuedBelow = n;
  }

  checkProduce(producerId: number): void {
    if (producerId >= this.issuedBelow) {
      throw new UnknownProducerIdError(`producer id ${producerId} was never issued by this cluster (ids below ${this.issuedBelow} were)`);
    }
  }

  /**
   * Null when every batch's producer id in `records` is -1 or below the counter as last seen;
   * else a read of the counter started after this call. Framing is only walked (the log
   * validates it).
   */
  confirm(records: Buffer): Promise<void> | null {
    let pos = 0;
    while (records.length - pos >= BATCH_HEADER_BYTES) {
      let id: number;
      try {
        id = readInt64BE(records, pos + OFFSET_PRODUCER_ID);
      } catch {
        return null; // an unsafe id: the partition refuses it
      }
      if (id >= this.issuedBelow) return this.refresh();
      const total = BATCH_LENGTH_PREFIX_BYTES + records.readInt32BE(pos + OFFSET_BATCH_LENGTH);
      if (total < BATCH_HEADER_BYTES) return null;
      pos += total;
    }
    return null;
  }

  /** A read of the counter that starts after this call (one in flight already started earlier). */
  private refresh(): Promise<void> {
    if (!this.reading) {
      this.reading = this.current().then((n) => this.noteIssuedBelow(n)).finally(() => { this.reading = null; });
      return this.reading;
    }
    // The read in flight may have been sent before the caller's id was issued: queue one more.
    this.readAgain ??= this.reading.catch(() => undefined).then(() => {
      this.readAgain = null;
      return this.refresh();
    });
    return this.readAgain;
  }
}
