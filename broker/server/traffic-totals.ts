/**
 * Records and bytes in and out since start, summed over topics and listeners, for BrokerStats
 * (the console's live charts). It is the TrafficObserver the handlers report to, and passes each
 * report on to the metrics' observer when metrics are on, so counting costs one addition per
 * partition of a request (per batch set, never per record) whether metrics are on or off.
 */
import type { TrafficObserver } from './hooks.js';

export class TrafficTotals implements TrafficObserver {
  recordsIn = 0;
  recordsOut = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(private readonly next: TrafficObserver | undefined) {}

  produced(topic: string, records: number, bytes: number): void {
    this.recordsIn += records;
    this.bytesIn += bytes;
    this.next?.produced(topic, records, bytes);
  }

  fetched(topic: string, records: number, bytes: number): void {
    this.recordsOut += records;
    this.bytesOut += bytes;
    this.next?.fetched(topic, records, bytes);
  }
}
