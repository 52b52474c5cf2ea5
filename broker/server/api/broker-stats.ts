/**
 * BrokerStats: what the web console's Overview shows — version, uptime, listeners, flush policy,
 * topic and partition counts, data size, and records/bytes in and out since start (the console
 * derives per-second rates from two answers). Reads in-memory state only: partitions' sizes are
 * counters the logs keep, so the cost is one pass over the partitions (bounded by the topic and
 * partition limits), with no I/O.
 */
import type { RequestContext } from '../request-context.js';

export type BrokerStatsCommand = Record<string, never>;

export interface BrokerStatsResult {
  readonly brokerVersion: string;
  readonly startedAtMs: number;
  readonly nowMs: number;
  readonly listeners: Record<string, string>;
  readonly flushPolicy: string;
  readonly flushIntervalMs: number;
  readonly topics: number;
  readonly partitions: number;
  readonly dataBytes: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly connections: number;
}

export async function handleBrokerStats(ctx: RequestContext, _cmd: BrokerStatsCommand): Promise<BrokerStatsResult> {
  const { topics, config } = ctx.services;
  const info = ctx.services.brokerInfo?.();
  let dataBytes = 0;
  const partitions = topics.allPartitions();
  for (const p of partitions) dataBytes += p.sizeBytes;
  const totals = ctx.services.totals;
  return {
    brokerVersion: info?.version ?? '',
    startedAtMs: info?.startedAtMs ?? 0,
    nowMs: Date.now(),
    listeners: info?.listeners ?? { ws: ctx.services.brokerUrl() },
    flushPolicy: config.log.flushPolicy,
    flushIntervalMs: config.log.flushIntervalMs,
    topics: topics.size,
    partitions: partitions.length,
    dataBytes,
    recordsIn: totals?.recordsIn ?? 0,
    recordsOut: totals?.recordsOut ?? 0,
    bytesIn: totals?.bytesIn ?? 0,
    bytesOut: totals?.bytesOut ?? 0,
    connections: info?.connections ?? 0,
  };
}
