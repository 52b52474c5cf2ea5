/**
 * Partition counts per topic, learned from the Metadata API and kept until told otherwise.
 * Concurrent lookups of the same missing topic share one request. A topic the broker does not
 * know is not cached: each lookup asks again, so a topic created later is found.
 *
 * Concurrency: one instance per producer (or client), event-loop use only.
 */
import { errorFromWire, UnknownTopicError } from '../proto/errors.js';
import type { ResponseBody } from './connection.js';

export type MetadataFetcher = (topics: string[]) => Promise<ResponseBody<'metadata'>>;

export class MetadataCache {
  private readonly counts = new Map<string, number>();
  private readonly loading = new Map<string, Promise<number>>();
  private readonly fetch: MetadataFetcher;

  constructor(fetch: MetadataFetcher) {
    this.fetch = fetch;
  }

  /** The cached partition count, or undefined. Synchronous: the send() fast path. */
  partitionCount(topic: string): number | undefined {
    return this.counts.get(topic);
  }

  /** Asks the broker (once for concurrent callers); throws UnknownTopicError for a missing topic. */
  load(topic: string): Promise<number> {
    let p = this.loading.get(topic);
    if (p) return p;
    p = this.fetch([topic]).then((res) => {
      const t = (res.topics ?? []).find((x) => x.name === topic);
      if (!t) throw new UnknownTopicError(`topic ${topic} does not exist`);
      if (t.error && t.error.code) throw errorFromWire(t.error, { topic });
      const n = (t.partitions ?? []).length;
      if (n === 0) throw new UnknownTopicError(`topic ${topic} has no partitions`);
      this.counts.set(topic, n);
      return n;
    }).finally(() => { this.loading.delete(topic); });
    this.loading.set(topic, p);
    return p;
  }

  /** Forgets a topic (it was deleted or reported unknown); the next lookup asks again. */
  invalidate(topic: string): void {
    this.counts.delete(topic);
  }
}
