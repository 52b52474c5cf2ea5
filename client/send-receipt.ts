/**
 * The compact answer to one `producer.sendMany()` call: where its records went, as runs of
 * consecutive records rather than one object per record.
 *
 * A send() call's records are written into batches in call order; the records of one call that
 * land in one batch form one run (several when keys spread them over partitions, as a run ends
 * where the next record went elsewhere). A run of `count` records starting at record `start`
 * of the call sits at offsets `baseOffset` .. `baseOffset + count - 1` of `partition`. For a
 * call of N records to one partition that is one run per batch it spans, so the answer costs a
 * few objects instead of N: at a million records a second, the per-record RecordMetadata
 * objects and the arrays behind them were the largest source of a producer's garbage.
 *
 * Runs are listed in record order (`start` ascending) and cover records 0 .. recordCount - 1
 * without gaps once the call has resolved.
 */

/** The producer's answer for one record. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset the broker assigned; -1 when sent with acks 'none' (no answer to learn it from). */
  offset: number;
}

/** Records `start` .. `start + count - 1` of a send() call, stored consecutively in one partition. */
export interface RecordRun {
  /** Index of the run's first record in the call's `messages`. */
  readonly start: number;
  /** Records in the run (at least 1). */
  readonly count: number;
  readonly partition: number;
  /** Offset of the run's first record; -1 when sent with acks 'none'. */
  readonly baseOffset: number;
}

export class SendReceipt {
  readonly topic: string;
  /** Records in the call (`messages.length`). */
  readonly recordCount: number;
  /** Runs in record order; together they cover every record of the call. */
  readonly runs: readonly RecordRun[];

  /** @internal built by the producer; `runs` must be sorted by `start`. */
  constructor(topic: string, recordCount: number, runs: readonly RecordRun[]) {
    this.topic = topic;
    this.recordCount = recordCount;
    this.runs = runs;
  }

  /** Partition of record `index` of the call, or -1 if it is out of range. */
  partitionOf(index: number): number {
    const run = this.runOf(index);
    return run === undefined ? -1 : run.partition;
  }

  /** Offset of record `index` of the call; -1 with acks 'none' or out of range. */
  offsetOf(index: number): number {
    const run = this.runOf(index);
    if (run === undefined || run.baseOffset < 0) return -1;
    return run.baseOffset + (index - run.start);
  }

  /** One RecordMetadata per record, in call order: what send() resolves with. */
  toRecordMetadata(): RecordMetadata[] {
    const { topic } = this;
    const out = new Array<RecordMetadata>(this.recordCount);
    let next = 0;
    for (const run of this.runs) {
      // A record no run covers (only possible for a receipt of an unfinished call) reads as -1.
      for (; next < run.start; next++) out[next] = { topic, partition: -1, offset: -1 };
      for (let j = 0; j < run.count; j++) {
        out[next++] = { topic, partition: run.partition, offset: run.baseOffset < 0 ? -1 : run.baseOffset + j };
      }
    }
    for (; next < this.recordCount; next++) out[next] = { topic, partition: -1, offset: -1 };
    return out;
  }

  /** The run holding record `index` (binary search over `start`). */
  private runOf(index: number): RecordRun | undefined {
    const { runs } = this;
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const run = runs[mid]!;
      if (index < run.start) hi = mid - 1;
      else if (index >= run.start + run.count) lo = mid + 1;
      else return run;
    }
    return undefined;
  }
}
