/**
 * The broker's Prometheus metrics (prom-client): one Registry per broker, so brokers embedded
 * side by side (tests) never mix their numbers.
 *
 * Three kinds of source, each as cheap as its place allows:
 *   - per request (RequestMetrics, the listeners' observer seam) and per partition of a produce
 *     or fetch (TopicTraffic, BrokerServices.traffic): a Map lookup and a few additions;
 *   - per fdatasync pass (StorageMetrics, storage's observer): two histogram observations;
 *   - everything else is read at scrape time, costing nothing between scrapes
 *     (broker-state-metrics.ts through prom-client; the per-partition and per-group series in
 *     slices that yield to the event loop, partition-metrics-text.ts).
 * Process and Node runtime metrics are prom-client's defaults (process_*, nodejs_*).
 *
 * With --metrics off none of this exists: no observer is installed, and /metrics answers 404.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MetricsSource } from '../http/http-router.js';
import { registerBrokerStateMetrics, type BrokerStateSources } from './broker-state-metrics.js';
import { partitionMetricsText } from './partition-metrics-text.js';
import { RequestMetrics } from './request-metrics.js';
import { StorageMetrics } from './storage-metrics.js';
import { TopicTraffic } from './topic-traffic.js';

export class BrokerMetrics implements MetricsSource {
  readonly registry = new Registry();
  readonly requests: RequestMetrics;
  readonly traffic: TopicTraffic;
  readonly storage: StorageMetrics;

  constructor(private readonly sources: BrokerStateSources) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new RequestMetrics(this.registry);
    this.traffic = new TopicTraffic((topic) => sources.topics()?.getTopic(topic) !== undefined);
    this.storage = new StorageMetrics(this.registry);
    registerBrokerStateMetrics(this.registry, sources);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    const fixed = await this.registry.metrics();
    const topics = await this.traffic.text();
    return fixed + topics + await partitionMetricsText(this.sources.topics(), this.sources.groups());
  }
}
