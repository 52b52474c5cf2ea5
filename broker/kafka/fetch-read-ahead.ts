/**
 * Read-ahead for Kafka consumers: when a fetch read of a partition stops short of the high
 * watermark, the next read (from the offset after its last batch, with the same byte budget)
 * starts at once, so that the client's next fetch finds its bytes already read.
 *
 * Why: Kafka clients keep one fetch in flight per broker (librdkafka, kafkajs and the Java client
 * alike) and send the next only once they have the previous answer, so a replay is a chain of
 * fetch, read, answer, client parse, fetch. The broker's link in that chain is the log read,
 * which goes through libuv's threadpool: two thread wake-ups per read. On a loaded 2-core machine
 * those wake-ups, not the copy, cost the time: a 4 MiB read whose pread took 0.6-1 ms took 7-16
 * ms through the threadpool (bench:kafka, kcat -C; a synchronous read took 1.3 ms). Reading
 * ahead moves that wait out of the chain, into the time the client spends parsing the previous
 * answer. The Strata SDK needs none of this: it keeps two fetches per partition in flight.
 *
 * A read taken from here is the same read a fresh one would be, checked again when it is taken:
 * the partition object must be the same (a deleted and recreated topic has a new one), its
 * leader epoch unchanged, the offset still at or above its log start, and the read's last batch
 * still below its high watermark (a truncation that lowered it discards the read). The high
 * watermark and log start reported are the partition's current ones; the records were bounded by
 * an earlier high watermark, which never exceeds the current one.
 *
 * Bounds: at most one read ahead per partition per connection; a read ahead reserves its byte
 * budget in a ReadAheadBudget shared by all Kafka connections before it starts (none starts when
 * the budget is spent), and gives it back when taken or dropped. One not taken within `keepMs`,
 * one at an offset the client does not ask for, and all of a closed connection's are dropped
 * (their read buffers are released once their reads settle).
 *
 * Concurrency: event-loop only; one instance per connection.
 */
import { OFFSET_BASE_OFFSET, OFFSET_BATCH_LENGTH, OFFSET_LAST_OFFSET_DELTA } from '../../proto/record-batch.js';
import { BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import type { Partition, PartitionReadResult } from '../partition/partition.js';
import type { PartitionReader } from '../server/fetch-reader.js';

/** Bytes that reads ahead may hold at once, across the connections sharing it. */
export class ReadAheadBudget {
  private used = 0;

  constructor(readonly bytesMax: number) {}

  get bytesInUse(): number {
    return this.used;
  }

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.bytesMax) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

interface Ahead {
  readonly offset: number;
  readonly maxBytes: number;
  readonly leaderEpoch: number;
  /** Settles with the read, or null when it failed (a fresh read then reports the error). */
  readonly read: Promise<PartitionReadResult | null>;
  readonly timer: NodeJS.Timeout;
}

export interface FetchReadAheadStats {
  /** Reads answered from a read ahead. */
  readonly hits: number;
  /** Reads ahead dropped unused (wrong offset, expired, stale, connection closed). */
  readonly dropped: number;
}

export class FetchReadAhead {
  private readonly ahead = new Map<Partition, Ahead>();
  private closed = false;
  private hits = 0;
  private dropped = 0;

  constructor(private readonly budget: ReadAheadBudget, private readonly keepMs: number) {}

  get stats(): FetchReadAheadStats {
    return { hits: this.hits, dropped: this.dropped };
  }

  /** Reads ahead held or in flight. */
  get size(): number {
    return this.ahead.size;
  }

  /** The reader to fetch through: a read ahead when one matches, else a fresh read; then reads ahead. */
  readonly read: PartitionReader = async (source, offset, maxBytes) => {
    let res = await this.take(source, offset, maxBytes);
    if (res === null) res = await source.read(offset, maxBytes, 'high-watermark');
    this.readNext(source, res, maxBytes);
    return res;
  };

  /** Drops every read ahead; later reads do not read ahead. */
  close(): void {
    this.closed = true;
    for (const source of [...this.ahead.keys()]) this.drop(source);
  }

  private async take(source: Partition, offset: number, maxBytes: number): Promise<PartitionReadResult | null> {
    const entry = this.ahead.get(source);
    if (entry === undefined) return null;
    if (entry.offset !== offset || entry.maxBytes < maxBytes) {
      this.drop(source);
      return null;
    }
    this.forget(source, entry);
    const res = await entry.read;
    this.budget.give(entry.maxBytes);
    if (res === null) return null;
    const stale = source.leaderEpoch !== entry.leaderEpoch || offset < source.logStartOffset
      || (res.records.length > 0 && nextOffsetAfter(res.records) > source.highWatermark);
    if (stale) {
      this.dropped++;
      res.release();
      return null;
    }
    this.hits++;
    return { records: res.records, release: res.release, highWatermark: source.highWatermark, logStartOffset: source.logStartOffset };
  }

  private readNext(source: Partition, res: PartitionReadResult, maxBytes: number): void {
    if (this.closed || res.records.length === 0 || this.ahead.has(source)) return;
    const next = nextOffsetAfter(res.records);
    if (next >= res.highWatermark || !this.budget.tryReserve(maxBytes)) return;
    const read = source.read(next, maxBytes, 'high-watermark').catch(() => null);
    const timer = setTimeout(() => this.drop(source), this.keepMs);
    timer.unref();
    this.ahead.set(source, { offset: next, maxBytes, leaderEpoch: source.leaderEpoch, read, timer });
  }

  private forget(source: Partition, entry: Ahead): void {
    clearTimeout(entry.timer);
    this.ahead.delete(source);
  }

  private drop(source: Partition): void {
    const entry = this.ahead.get(source);
    if (entry === undefined) return;
    this.forget(source, entry);
    this.dropped++;
    void entry.read.then((res) => {
      res?.release();
      this.budget.give(entry.maxBytes);
    });
  }
}

/** The offset after the last batch of `records` (whole RecordBatch v2 batches). */
export function nextOffsetAfter(records: Buffer): number {
  let pos = 0;
  let last = -1;
  while (pos + BATCH_LENGTH_PREFIX_BYTES <= records.length) {
    const batchLength = records.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (batchLength <= 0) break; // never in bytes the log served; stop rather than loop
    last = pos;
    pos += BATCH_LENGTH_PREFIX_BYTES + batchLength;
  }
  if (last < 0) return -1;
  return Number(records.readBigInt64BE(last + OFFSET_BASE_OFFSET)) + records.readInt32BE(last + OFFSET_LAST_OFFSET_DELTA) + 1;
}
