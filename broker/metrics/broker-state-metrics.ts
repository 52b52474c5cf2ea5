/**
 * Gauges (and counters kept elsewhere) read at scrape time from what the broker already tracks:
 * partition counts and health, connections and in-flight requests per listener, storage cache
 * use and hit ratios, recovery, and the listeners' bound counters (server-stats.ts). Nothing
 * here runs on a request. The series that grow with partitions and groups (offsets, sizes,
 * lag) are written apart, in slices (partition-metrics-text.ts).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import type { ServerStats } from '../server/server-stats.js';
import type { LogManager } from '../storage/log-manager.js';
import type { TopicManager } from '../topics/topic-manager.js';

export interface ListenerGauges {
  readonly listener: string;
  readonly connections: number;
  readonly inFlight: number;
}

/** What the broker lends the metrics; each is read at scrape time and may be null before start. */
export interface BrokerStateSources {
  readonly nodeId: number;
  readonly version: string;
  topics(): TopicManager | null;
  groups(): GroupCoordinator | null;
  storage(): LogManager | null;
  listeners(): readonly ListenerGauges[];
  /** Each listener's bound counters (server-stats.ts), by listener name. */
  serverStats(): ReadonlyArray<{ readonly listener: string; readonly stats: ServerStats }>;
  /** Replication counts when this broker is part of a cluster (--cluster); null otherwise. */
  replication(): { isrShrinks: number; isrExpands: number; leaders: number; underReplicated: number; underMinIsr: number } | null;
  /** Seconds from binding the port to serving (storage, topics and groups open); null while recovering. */
  recoverySeconds(): number | null;
}

type Labels = Record<string, string | number>;

export function registerBrokerStateMetrics(registry: Registry, src: BrokerStateSources): void {
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[], fill: (set: (labels: Labels, v: number) => void) => void): void => {
    new Gauge({
      name, help, labelNames, registers,
      collect() {
        this.reset();
        fill((labels, v) => this.set(labels, v));
      },
    });
  };
  const counter = (name: string, help: string, labelNames: string[], fill: (inc: (labels: Labels, v: number) => void) => void): void => {
    new Counter({
      name, help, labelNames, registers,
      collect() {
        this.reset();
        fill((labels, v) => this.inc(labels, v));
      },
    });
  };
  const partitions = () => src.topics()?.allPartitions() ?? [];

  gauge('strata_broker_info', 'Always 1; the labels name this broker', ['version', 'node_id'], (set) => set({ version: src.version, node_id: src.nodeId }, 1));
  gauge('strata_topics', 'Topics on this broker', [], (set) => set({}, src.topics()?.size ?? 0));
  gauge('strata_partitions', 'Partitions on this broker', [], (set) => set({}, partitions().length));

  gauge('strata_unhealthy_partitions', 'Partitions that refuse to acknowledge after a failed fsync (until the broker restarts)', [], (set) => {
    let n = 0;
    for (const p of partitions()) if (!p.healthy) n++;
    set({}, n);
  });

  gauge('strata_connections', 'Open client connections, per listener', ['listener'], (set) => {
    for (const l of src.listeners()) set({ listener: l.listener }, l.connections);
  });
  gauge('strata_in_flight_requests', 'Requests read and not yet answered, per listener', ['listener'], (set) => {
    for (const l of src.listeners()) set({ listener: l.listener }, l.inFlight);
  });

  const memory = () => src.storage()?.memoryUse;
  gauge('strata_index_cache_bytes', 'Memory held by sealed segments\' loaded indexes', [], (set) => set({}, memory()?.indexCacheBytes ?? 0));
  gauge('strata_index_cache_limit_bytes', 'Budget of the index cache', [], (set) => set({}, memory()?.indexCacheBytesMax ?? 0));
  gauge('strata_tail_cache_bytes', 'Memory held by the tail caches (recently written batches)', [], (set) => set({}, memory()?.tailCacheBytes ?? 0));
  gauge('strata_tail_cache_limit_bytes', 'Budget of the tail caches', [], (set) => set({}, memory()?.tailCacheBytesMax ?? 0));
  counter('strata_index_cache_lookups_total', 'Sealed-segment index uses: hit (held in memory) or load (read from the index files)', ['result'], (inc) => {
    const m = memory();
    inc({ result: 'hit' }, m?.indexCacheHits ?? 0);
    inc({ result: 'load' }, m?.indexCacheLoads ?? 0);
  });
  counter('strata_index_cache_unloads_total', 'Indexes unloaded to keep the index cache within its budget', [], (inc) => inc({}, memory()?.indexCacheUnloads ?? 0));
  gauge('strata_index_cache_hit_ratio', 'Share of sealed-segment index uses that found them in memory since start (0 when none)', [], (set) => {
    const m = memory();
    const total = (m?.indexCacheHits ?? 0) + (m?.indexCacheLoads ?? 0);
    set({}, total === 0 ? 0 : m!.indexCacheHits / total);
  });
  const reads = (): { cache: number; file: number } => {
    let cache = 0;
    let file = 0;
    for (const p of partitions()) {
      const s = p.log.stats;
      cache += s.cacheReads;
      file += s.fileReads;
    }
    return { cache, file };
  };
  counter('strata_log_reads_total', 'Log reads, by where they were answered from (tail_cache: memory; file: a segment file)', ['source'], (inc) => {
    const r = reads();
    inc({ source: 'tail_cache' }, r.cache);
    inc({ source: 'file' }, r.file);
  });
  gauge('strata_tail_cache_hit_ratio', 'Share of log reads answered from the tail cache since start (0 when nothing was read)', [], (set) => {
    const r = reads();
    set({}, r.cache + r.file === 0 ? 0 : r.cache / (r.cache + r.file));
  });

  // Cluster only (absent on a single broker): Kafka's UnderReplicatedPartitions, IsrShrinksPerSec...
  const repl = () => src.replication();
  gauge('strata_leader_partitions', 'Partitions this broker leads (cluster only)', [], (set) => { const r = repl(); if (r) set({}, r.leaders); });
  gauge('strata_under_replicated_partitions', 'Partitions led here whose ISR is smaller than their replica set (cluster only)', [], (set) => {
    const r = repl();
    if (r) set({}, r.underReplicated);
  });
  gauge('strata_under_min_isr_partitions', 'Partitions led here with fewer in-sync replicas than min.insync.replicas: acks=all is refused (cluster only)', [], (set) => {
    const r = repl();
    if (r) set({}, r.underMinIsr);
  });
  counter('strata_isr_shrinks_total', 'ISR shrinks this broker wrote as leader (lagging followers removed; cluster only)', [], (inc) => { const r = repl(); if (r) inc({}, r.isrShrinks); });
  counter('strata_isr_expands_total', 'ISR expansions this broker wrote as leader (caught-up followers taken back; cluster only)', [], (inc) => { const r = repl(); if (r) inc({}, r.isrExpands); });

  gauge('strata_recovery_duration_seconds', 'How long start-up took from binding the port to serving (log recovery, topics, groups); absent while recovering', [], (set) => {
    const s = src.recoverySeconds();
    if (s !== null) set({}, s);
  });
  gauge('strata_last_shutdown_clean', '1 if the previous run shut down cleanly (no log recovery needed), else 0', [], (set) => {
    const storage = src.storage();
    if (storage) set({}, storage.cleanShutdown ? 1 : 0);
  });

  /** `wsOnly`: the counter means nothing on the Kafka listener (HTTP, WebSocket frames). */
  const stat = (name: string, help: string, field: keyof ServerStats, wsOnly = false): void => {
    counter(name, help, ['listener'], (inc) => {
      for (const { listener, stats } of src.serverStats()) if (!wsOnly || listener === 'ws') inc({ listener }, stats[field]);
    });
  };
  stat('strata_connections_accepted_total', 'Client connections accepted (WebSocket: upgraded)', 'connectionsAccepted');
  stat('strata_connections_refused_total', 'Connections refused at accept (maxConnections reached; WebSocket: with 503)', 'connectionsRefused');
  stat('strata_connections_refused_per_ip_total', 'Connections closed at accept by the per-IP limits (open connections or attempts a second from one address)', 'connectionsRefusedPerIp');
  stat('strata_handshakes_timed_out_total', 'Connections dropped for not finishing their TLS handshake, HTTP request or upgrade in time', 'handshakesTimedOut');
  stat('strata_handshakes_evicted_total', 'Pending handshakes dropped, oldest first, to make room', 'handshakesEvicted', true);
  stat('strata_requests_rejected_in_flight_total', 'Requests refused with TooManyRequestsError (in-flight limit per connection)', 'requestsRejectedInFlight');
  stat('strata_slow_consumers_terminated_total', 'Connections terminated for not reading their answers', 'slowConsumersTerminated');
  stat('strata_malformed_frames_total', 'WebSocket frames that did not decode', 'malformedFrames', true);
  stat('strata_http_bad_requests_total', 'Plain HTTP requests or upgrades that could not be read (answered 400/431)', 'badHttpRequests', true);
  stat('strata_upgrades_refused_origin_total', 'WebSocket upgrades refused with 403 for their browser Origin', 'upgradesRefusedOrigin', true);
  stat('strata_tls_handshakes_failed_total', 'TLS handshakes that failed (not TLS, bad or missing client certificate)', 'tlsHandshakesFailed');
  stat('strata_push_frames_total', 'Frames of batches pushed to subscribed consumers (push delivery)', 'pushFrames', true);
  stat('strata_push_record_bytes_total', 'Record bytes pushed to subscribed consumers', 'pushRecordBytes', true);
  stat('strata_push_credit_stalls_total', 'Times a subscription used up its credit and stopped until its consumer read on', 'pushCreditStalls', true);
}
