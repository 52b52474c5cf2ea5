/**
 * Reading the JSON documents the cluster keeps in etcd. Every value is checked field by field:
 * a document another version wrote, or a hand edit, becomes a CorruptLogError naming the key,
 * never a broker acting on undefined.
 */
import { CorruptLogError } from '../../proto/errors.js';

export type JsonObject = Record<string, unknown>;

export function parseJsonObject(text: string, key: string): JsonObject {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CorruptLogError(`etcd key ${key} is not JSON`, { cause: err });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new CorruptLogError(`etcd key ${key} is not a JSON object`);
  return doc as JsonObject;
}

export function intField(doc: JsonObject, field: string, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = doc[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new CorruptLogError(`etcd key ${key}: ${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function stringField(doc: JsonObject, field: string, key: string): string {
  const v = doc[field];
  if (typeof v !== 'string') throw new CorruptLogError(`etcd key ${key}: ${field} must be a string`);
  return v;
}

/** A list of distinct broker ids. */
export function brokerListField(doc: JsonObject, field: string, key: string): number[] {
  const v = doc[field];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new CorruptLogError(`etcd key ${key}: ${field} must be a list of broker ids`);
  }
  if (new Set(v).size !== v.length) throw new CorruptLogError(`etcd key ${key}: ${field} lists a broker twice`);
  return v as number[];
}
