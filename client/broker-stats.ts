/**
 * BrokerStats (the web console's Overview): the broker's version, uptime, listeners, flush
 * policy, data size, and records and bytes in and out since it started. Rates come from two
 * answers: (b.recordsIn - a.recordsIn) / ((b.nowMs - a.nowMs) / 1000).
 */
import type { Connection } from './connection.js';

/** What `admin.brokerStats()` returns. Counters are totals since the broker started. */
export interface BrokerStats {
  brokerVersion: string;
  /** Wall-clock ms when the broker started listening. */
  startedAtMs: number;
  /** The broker's clock when it answered (ms). */
  nowMs: number;
  /** Listener name (`ws`, `kafka`) to the address clients reach it at. */
  listeners: Record<string, string>;
  /** The broker's default flush policy: always, interval or never. */
  flushPolicy: string;
  flushIntervalMs: number;
  topics: number;
  partitions: number;
  /** Bytes of every partition's log. */
  dataBytes: number;
  /** Records appended by produce requests since start (all listeners). */
  recordsIn: number;
  /** Records answered to fetch requests since start (all listeners). */
  recordsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Open connections, all listeners. */
  connections: number;
}

export async function fetchBrokerStats(conn: Connection): Promise<BrokerStats> {
  const r = await conn.request('brokerStats', {});
  return {
    brokerVersion: r.brokerVersion ?? '',
    startedAtMs: Number(r.startedAtMs ?? 0),
    nowMs: Number(r.nowMs ?? 0),
    listeners: { ...(r.listeners ?? {}) },
    flushPolicy: r.flushPolicy ?? '',
    flushIntervalMs: Number(r.flushIntervalMs ?? 0),
    topics: r.topics ?? 0,
    partitions: r.partitions ?? 0,
    dataBytes: Number(r.dataBytes ?? 0),
    recordsIn: Number(r.recordsIn ?? 0),
    recordsOut: Number(r.recordsOut ?? 0),
    bytesIn: Number(r.bytesIn ?? 0),
    bytesOut: Number(r.bytesOut ?? 0),
    connections: r.connections ?? 0,
  };
}
