/**
 * What a live broker tells the cluster about itself, at `brokers/<id>` under its lease:
 *
 *   { "id": 2, "endpoints": { "ws": "ws://127.0.0.1:40123" }, "startedAtMs": 1700000000000, "rack": "eu-1a" }
 *
 * `rack` is present only for a broker started with `--rack` (older brokers never write it).
 *
 * `endpoints` maps a listener name to the address clients should use for it ('ws' always;
 * 'kafka' once the broker runs a Kafka listener), so Metadata on any listener can advertise
 * every broker's address for that listener.
 */
import { CorruptLogError } from '../../proto/errors.js';
import { intField, parseJsonObject } from './cluster-json.js';

export interface BrokerInfo {
  readonly id: number;
  readonly endpoints: Readonly<Record<string, string>>;
  readonly startedAtMs: number;
  /** The broker's rack (`--rack`), for rack-aware replica placement and Metadata. */
  readonly rack?: string;
}

/** Longest rack name (Kafka's broker.rack has no limit; this keeps etcd values and Metadata small). */
export const RACK_CHARS_MAX = 255;

/** Throws a RangeError unless `rack` is a usable rack name: 1-255 printable characters. */
export function checkRack(rack: string): void {
  if (rack.length === 0 || rack.length > RACK_CHARS_MAX || !/^[\x21-\x7e]+$/.test(rack)) {
    throw new RangeError(`a rack is 1-${RACK_CHARS_MAX} printable ASCII characters without spaces, got ${JSON.stringify(rack)}`);
  }
}

export function serializeBrokerInfo(info: BrokerInfo): string {
  return JSON.stringify({ id: info.id, endpoints: info.endpoints, startedAtMs: info.startedAtMs, ...(info.rack !== undefined ? { rack: info.rack } : {}) });
}

export function parseBrokerInfo(text: string, key: string): BrokerInfo {
  const doc = parseJsonObject(text, key);
  const id = intField(doc, 'id', key, 0);
  const startedAtMs = intField(doc, 'startedAtMs', key, 0);
  const raw = doc.endpoints;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CorruptLogError(`etcd key ${key}: endpoints must be an object`);
  const endpoints: Record<string, string> = {};
  for (const [name, url] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof url !== 'string') throw new CorruptLogError(`etcd key ${key}: endpoint ${name} must be a string`);
    endpoints[name] = url;
  }
  if (typeof endpoints.ws !== 'string') throw new CorruptLogError(`etcd key ${key}: no ws endpoint`);
  const rack = doc.rack;
  if (rack === undefined) return { id, endpoints, startedAtMs };
  if (typeof rack !== 'string') throw new CorruptLogError(`etcd key ${key}: rack must be a string`);
  try {
    checkRack(rack);
  } catch (err) {
    throw new CorruptLogError(`etcd key ${key}: ${(err as Error).message}`, { cause: err });
  }
  return { id, endpoints, startedAtMs, rack };
}
