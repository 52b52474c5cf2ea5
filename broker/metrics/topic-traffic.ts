/**
 * Records and bytes in and out per topic (the produce and fetch handlers' TrafficObserver).
 *
 * The hot path only adds to plain numbers in a Map keyed by topic name (one lookup per
 * partition of a request). A scrape writes the four counters as Prometheus text itself, in
 * slices that yield to the event loop (as partition-metrics-text.ts does, and for the same
 * reason: these series grow with the number of topics). A topic's counts go when the topic is
 * gone (the next scrape after its deletion), so a deleted and re-created topic starts again
 * from 0, which Prometheus reads as a counter reset.
 */
import type { TrafficObserver } from '../server/hooks.js';
import { linesOf, SCRAPE_SERIES_PER_SLICE } from './partition-metrics-text.js';

interface TopicCounts {
  recordsIn: number;
  bytesIn: number;
  recordsOut: number;
  bytesOut: number;
}

const COUNTERS: ReadonlyArray<readonly [name: string, help: string, field: keyof TopicCounts]> = [
  ['strata_topic_records_in_total', 'Records appended by produce requests, per topic (idempotent retries not counted)', 'recordsIn'],
  ['strata_topic_bytes_in_total', 'Record batch bytes appended by produce requests, per topic', 'bytesIn'],
  ['strata_topic_records_out_total', 'Records sent in fetch answers (consumers and followers), per topic', 'recordsOut'],
  ['strata_topic_bytes_out_total', 'Record batch bytes sent in fetch answers, per topic', 'bytesOut'],
];

export class TopicTraffic implements TrafficObserver {
  private readonly counts = new Map<string, TopicCounts>();

  /** `topicExists` lets a scrape drop the counts of deleted topics. */
  constructor(private readonly topicExists: (topic: string) => boolean) {}

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

  /** The four counters as Prometheus text (topic names need no escaping: [a-zA-Z0-9._-]). */
  async text(): Promise<string> {
    const lines: string[][] = COUNTERS.map(() => []);
    let n = 0;
    for (const [topic, c] of [...this.counts]) {
      if (++n % SCRAPE_SERIES_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      if (!this.topicExists(topic)) {
        this.counts.delete(topic);
        continue;
      }
      const labels = `{topic="${topic}"} `;
      lines[0]!.push(labels + c.recordsIn);
      lines[1]!.push(labels + c.bytesIn);
      lines[2]!.push(labels + c.recordsOut);
      lines[3]!.push(labels + c.bytesOut);
    }
    const parts: string[] = [];
    for (let i = 0; i < COUNTERS.length; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      const [name, help] = COUNTERS[i]!;
      parts.push(`# HELP ${name} ${help}\n# TYPE ${name} counter\n`, linesOf(name, lines[i]!));
    }
    return parts.join('');
  }

  private countsOf(topic: string): TopicCounts {
    let c = this.counts.get(topic);
    if (!c) this.counts.set(topic, (c = { recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 }));
    return c;
  }
}
