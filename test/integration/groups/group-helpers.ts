/**
 * Helpers for consumer-group tests: filling a topic with numbered records, and running group
 * members that record every (partition, offset) they process.
 */
import { GroupConsumer, Strata, type GroupConsumerOptions } from '../../../client/index.js';

/**
 * Produces `perPartition` records to each partition; values are `p<partition>-<i>`. Sent in
 * batches of FILL_BATCH_RECORDS so a consumer's fetches interleave partitions (one huge batch
 * per partition would be served whole, one partition at a time).
 */
export async function fill(strata: Strata, topic: string, partitions: number, perPartition: number): Promise<void> {
  const producer = strata.producer({ lingerMs: 0 });
  for (let i = 0; i < perPartition; i += FILL_BATCH_RECORDS) {
    const n = Math.min(FILL_BATCH_RECORDS, perPartition - i);
    await Promise.all(Array.from({ length: partitions }, (_, p) => producer.send({
      topic,
      messages: Array.from({ length: n }, (_, k) => ({ value: `p${p}-${i + k}`, partition: p })),
    })));
  }
  await producer.close();
}

const FILL_BATCH_RECORDS = 25;

/** Every (partition, offset) processed, by whom, in order. */
export class Ledger {
  readonly seen = new Map<string, number>();
  readonly byMember = new Map<string, number>();
  total = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  record(member: string, partition: number, offset: number): void {
    const key = `${partition}:${offset}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
    this.byMember.set(member, (this.byMember.get(member) ?? 0) + 1);
    this.total++;
    this.waiters = this.waiters.filter((w) => {
      if (this.total < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `count` records (duplicates included) were processed. */
  reach(count: number, timeoutMs = 15_000): Promise<void> {
    if (this.total >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ledger stuck at ${this.total} of ${count}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** Resolves once every offset below `perPartition` of every partition was seen. */
  async complete(partitions: number, perPartition: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.missing(partitions, perPartition).length > 0) {
      if (Date.now() > deadline) throw new Error(`still missing ${this.missing(partitions, perPartition).slice(0, 10).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  missing(partitions: number, perPartition: number): string[] {
    const out: string[] = [];
    for (let p = 0; p < partitions; p++) for (let o = 0; o < perPartition; o++) if (!this.seen.has(`${p}:${o}`)) out.push(`${p}:${o}`);
    return out;
  }

  duplicates(): Array<{ partition: number; offset: number }> {
    return [...this.seen].filter(([, n]) => n > 1).map(([k]) => {
      const [partition, offset] = k.split(':').map(Number);
      return { partition: partition!, offset: offset! };
    });
  }
}

export interface Member {
  name: string;
  consumer: GroupConsumer<string>;
  /** Settles when its reading loop ends (close) or fails. */
  done: Promise<void>;
}

/** Creates a member, subscribes it, and reads in the background into `ledger`. */
export function startMember(
  strata: Strata, name: string, topic: string, ledger: Ledger, options: Omit<GroupConsumerOptions, 'decode'>,
): { member: Member; subscribed: Promise<void> } {
  const consumer = strata.consumer({ autoOffsetReset: 'earliest', maxWaitMs: 100, ...options, decode: 'utf8' });
  const subscribed = consumer.subscribe(topic);
  const done = (async () => {
    await subscribed;
    for await (const r of consumer) ledger.record(name, r.partition, r.offset);
  })();
  done.catch(() => undefined);
  return { member: { name, consumer, done }, subscribed };
}

/** Waits until `check` holds, polling. */
export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
