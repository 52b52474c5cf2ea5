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
 * Epochs: an id holds epoch 0 unless the broker that issued it raised it (InitProducerId,
 * KIP-360), which that broker records in etcd before answering (producer-epochs.ts). A batch
 * whose epoch is above the one this broker last saw for its id makes confirm() read the id's
 * epoch again (a read that starts after the call, so a raise answered before the batch was sent
 * is seen); checkProduce then refuses an epoch still above it with InvalidProducerEpochError, as
 * a broker alone does: nobody fences a producer by sending its id with epoch + 1. Epochs below
 * the current one are fenced by each partition's producer state. Epochs found in this broker's
 * own logs at start-up count as seen (they cover ids raised before the cluster existed).
 */
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import { InvalidProducerEpochError, UnknownProducerIdError } from '../../proto/errors.js';
import { readInt64BE } from '../../proto/int64.js';
import { OFFSET_BATCH_LENGTH, OFFSET_PRODUCER_EPOCH, OFFSET_PRODUCER_ID } from '../../proto/record-batch.js';
import type { ProducerRegistry } from '../partition/producer-ids.js';

/**
 * Raised epochs remembered per id (oldest forgotten first). An id forgotten is read from etcd
 * again on its next batch above epoch 0: one etcd read, not a refusal. 10k entries × ~100 bytes.
 */
export const PRODUCER_EPOCHS_CACHED_MAX = 10_000;

export class ClusterProducerRegistry implements ProducerRegistry {
  private issuedBelow = 0;
  /** The read in flight, and whether a caller needs one that starts after it. */
  private reading: Promise<void> | null = null;
  private readAgain: Promise<void> | null = null;

  /** Epoch per id above 0, as last read or raised (insertion order = age). */
  private readonly epochs = new Map<number, number>();

  /**
   * `current` reads the counter in etcd (ProducerIdCounter.current); `readEpoch` an id's epoch
   * (ProducerEpochs.read).
   */
  constructor(private readonly current: () => Promise<number>, private readonly readEpoch: (producerId: number) => Promise<number>) {}

  /** `producerId` holds at least `epoch` (raised here, read from etcd, or found in a log). */
  noteEpoch(producerId: number, epoch: number): void {
    if (epoch <= (this.epochs.get(producerId) ?? 0)) return;
    this.epochs.delete(producerId);
    this.epochs.set(producerId, epoch);
    if (this.epochs.size > PRODUCER_EPOCHS_CACHED_MAX) this.epochs.delete(this.epochs.keys().next().value!);
  }

  /** Every id below `n` may have been issued (this broker reserved up to it, or read it). */
  noteIssuedBelow(n: number): void {
    if (n > this.issuedBelow) this.issuedBelow = n;
  }

  checkProduce(producerId: number, epoch: number): void {
    if (producerId >= this.issuedBelow) {
      throw new UnknownProducerIdError(`producer id ${producerId} was never issued by this cluster (ids below ${this.issuedBelow} were)`);
    }
    const issued = this.epochs.get(producerId) ?? 0;
    if (epoch > issued) {
      throw new InvalidProducerEpochError(`producer ${producerId} epoch ${epoch} was never issued (its epoch is ${issued}); epochs change only through InitProducerId`);
    }
  }

  /**
   * Null when every batch's producer id in `records` is -1 or below the counter as last seen,
   * and its epoch at most the id's as last seen; else reads (of the counter, of the ids' epochs)
   * started after this call. Framing is only walked (the log validates it).
   */
  confirm(records: Buffer): Promise<void> | null {
    let pos = 0;
    let reads: Array<Promise<void>> | null = null;
    let counter = false;
    const asked = new Set<number>();
    while (records.length - pos >= BATCH_HEADER_BYTES) {
      let id: number;
      try {
        id = readInt64BE(records, pos + OFFSET_PRODUCER_ID);
      } catch {
        break; // an unsafe id: the partition refuses it
      }
      if (id >= this.issuedBelow && !counter) {
        counter = true;
        (reads ??= []).push(this.refresh());
      }
      const epoch = records.readInt16BE(pos + OFFSET_PRODUCER_EPOCH);
      if (id >= 0 && epoch > (this.epochs.get(id) ?? 0) && !asked.has(id)) {
        asked.add(id);
        (reads ??= []).push(this.readEpoch(id).then((e) => this.noteEpoch(id, e)));
      }
      const total = BATCH_LENGTH_PREFIX_BYTES + records.readInt32BE(pos + OFFSET_BATCH_LENGTH);
      if (total < BATCH_HEADER_BYTES) break;
      pos += total;
    }
    return reads === null ? null : reads.length === 1 ? reads[0]! : Promise.all(reads).then(() => undefined);
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
