/**
 * Builds a value for any field table at a version, with every field the version has set to
 * something other than its default (so tagged fields are written and nothing round-trips by
 * accident), and what a decoder must return for it (defaults where the version lacks a field).
 */
import { inVersions, parseVersions, type Field, type Fields, type ScalarKind } from '../../../../proto/kafka/schema.js';

let counter = 0;

function scalar(kind: ScalarKind, seed: number): unknown {
  switch (kind) {
    case 'bool': return true;
    case 'int8': return (seed % 100) + 1;
    case 'int16': return (seed % 30000) + 1;
    case 'uint16': return (seed % 60000) + 1;
    case 'int32': return seed * 7919 + 1;
    case 'int64': return seed * 2 ** 33 + 5;
    case 'float64': return seed + 0.5;
    case 'uuid': return (seed + 1).toString(16).padStart(32, 'a');
    case 'string': return `s${seed}-\u00e9`;
    case 'bytes': return Buffer.from(`b${seed}`);
    case 'records': return Buffer.alloc(5000 + seed, seed & 0xff);
  }
}

function zero(kind: ScalarKind): unknown {
  switch (kind) {
    case 'bool': return false;
    case 'string': return '';
    case 'uuid': return '0'.repeat(32);
    case 'bytes': return Buffer.alloc(0);
    case 'records': return null;
    default: return 0;
  }
}

function defaultOf(f: Field, version: number, flexible: boolean): unknown {
  const d = f.options.default;
  if (d === null || d === 'null') return null;
  if (f.kind === 'array') return [];
  if (d !== undefined) return d;
  if (f.kind === 'struct') return sample(f.fields, version, flexible, true).expected;
  return zero(f.kind);
}

export function sample(fields: Fields, version: number, flexible: boolean, defaultsOnly = false):
  { value: Record<string, unknown>; expected: Record<string, unknown> } {
  const value: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const f of fields) {
    const present = inVersions(parseVersions(f.versions), version);
    const tagged = f.options.tag !== undefined && flexible
      && inVersions(parseVersions(f.options.taggedVersions ?? f.versions), version);
    if (!present || defaultsOnly || (f.options.tag !== undefined && !tagged)) {
      expected[f.name] = defaultOf(f, version, flexible);
      continue;
    }
    const seed = ++counter;
    let v: unknown;
    let e: unknown;
    if (f.kind === 'array' && 'fields' in f) {
      const items = [sample(f.fields, version, flexible), sample(f.fields, version, flexible)];
      v = items.map((i) => i.value);
      e = items.map((i) => i.expected);
    } else if (f.kind === 'array') {
      v = e = [scalar(f.items, seed), scalar(f.items, seed + 1)];
    } else if (f.kind === 'struct') {
      const s = sample(f.fields, version, flexible);
      v = s.value;
      e = s.expected;
    } else {
      v = e = scalar(f.kind, seed);
    }
    value[f.name] = v;
    expected[f.name] = e;
  }
  return { value, expected };
}
