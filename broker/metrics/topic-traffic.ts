/**
 * Records and bytes in and out per topic (the produce and fetch handlers' TrafficObserver).
 *
 * The hot path only adds to plain numbers in a Map keyed by topic name (one lookup per
 * partition of a request); prom-client sees them at scrape time. A topic's counts go when the
 * topic is gone (the next scrape after its deletion), so a deleted and re-created topic starts
 * again from 0, which Prometheus reads as a counter reset.
 */
import { Counter, type Registry } from 'prom-client';
import type { TrafficObserver } from '../server/hooks.js';

interface TopicCounts {
  recordsIn: number;
  bytesIn: number;
  recordsOut: number;
  bytesOut: number;
}

export class TopicTraffic implements TrafficObserver {
  private readonly counts = new Map<string, TopicCounts>();

  /** `topicExists` lets a scrape drop the counts of deleted topics. */
  constructor(registry: Registry, private readonly topicExists: (topic: string) => boolean) {
    const traffic = this;
    const counter = (name: string, help: string, field: keyof TopicCounts): void => {
      new Counter({
        name, help, labelNames: ['topic'], registers: [registry],
        collect() {
          traffic.pruneDeleted();
          this.reset();
          for (const [topic, c] of traffic.counts) this.inc({ topic }, c[field]);
        },
      });
    };
    counter('strata_topic_records_in_total', 'Records appended by produce requests, per topic (idempotent retries not counted)', 'recordsIn');
    counter('strata_topic_bytes_in_total', 'Record batch bytes appended by produce requests, per topic', 'bytesIn');
    counter('strata_topic_records_out_total', 'Records sent in fetch answers (consumers and followers), per topic', 'recordsOut');
    counter('strata_topic_bytes_out_total', 'Record batch bytes sent in fetch answers, per topic', 'bytesOut');
  }

  produced(topic: string, records: number, bytes: number): void {
    const c = this.countsOf(topic);
    c.recordsIn += records;
    c.bytesIn += bytes;
  }

  fetched(topic: string, records: number, bytes: number): void {
    const c = this.countsOf(topic);
    c.recordsOut += records;
    c.bytesOut += bytes;
  }

  private countsOf(topic: string): TopicCounts {
    let c = this.counts.get(topic);
    if (!c) this.counts.set(topic, (c = { recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 }));
    return c;
  }

  private pruneDeleted(): void {
    for (const topic of this.counts.keys()) if (!this.topicExists(topic)) this.counts.delete(topic);
  }
}
