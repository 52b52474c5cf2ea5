/**
 * The generic codec: compiles a field table (schema.ts) for one version into a plan, then encodes
 * and decodes by walking the plan. Plans are built once per (table, version) and cached, so the
 * per-message work is a loop over ready-made steps, not a walk of version strings.
 *
 * Encodings (KIP-482): a flexible version writes strings, bytes, records and arrays with compact
 * lengths (unsigned varint of N+1, 0 for null) and ends every struct with a tagged-field section
 * (uvarint count, then per field: uvarint tag, uvarint size, data, in ascending tag order). A
 * classic version uses int16 lengths for strings, int32 for bytes, records and arrays, -1 for null.
 * Unknown tags are skipped on decode. A tagged field is written only when its value differs from
 * its default, as Kafka does.
 *
 * Decoded objects always have every field of the table in table order (defaults where the version
 * lacks a field), so V8 sees one shape per message type.
 */
import assert from 'node:assert/strict';
import { InvalidRequestError } from '../errors.js';
import { KafkaReader } from './reader.js';
import {
  inVersions, parseVersions, type Decoded, type Field, type Fields, type Input, type ScalarKind,
} from './schema.js';
import { KafkaWriter } from './writer.js';

const ZERO_UUID = '00000000000000000000000000000000';

/** Tagged fields in one struct; bounds the work a hostile tag section can cause. */
const TAGGED_FIELDS_MAX = 1024;

interface Step {
  readonly name: string;
  /** 'absent': the version lacks the field; decode fills the default, encode skips it. */
  readonly kind: ScalarKind | 'array' | 'struct' | 'absent';
  readonly items: ScalarKind | undefined;
  readonly sub: Plan | undefined;
  readonly nullable: boolean;
  readonly compact: boolean;
  readonly tag: number;
  readonly makeDefault: () => unknown;
}

interface Plan {
  /** Every field in table order (absent and tagged ones included, for the object shape). */
  readonly all: readonly Step[];
  /** Fields written in sequence. */
  readonly body: readonly Step[];
  /** Tagged fields, by ascending tag. */
  readonly tagged: readonly Step[];
  readonly taggedByTag: ReadonlyMap<number, Step>;
  readonly flexible: boolean;
  /** Smallest encoded size of one struct: bounds array counts against the bytes left. */
  readonly bytesMin: number;
}

const plans = new WeakMap<Fields, Map<string, Plan>>();

/** The plan for `fields` at `version`; `flexible` says whether this version uses KIP-482. */
export function planFor(fields: Fields, version: number, flexible: boolean): Plan {
  let byVersion = plans.get(fields);
  if (!byVersion) {
    byVersion = new Map();
    plans.set(fields, byVersion);
  }
  const key = `${version}:${flexible ? 'f' : 'c'}`;
  let plan = byVersion.get(key);
  if (!plan) {
    plan = compile(fields, version, flexible);
    byVersion.set(key, plan);
  }
  return plan;
}

function scalarDefault(kind: ScalarKind): unknown {
  switch (kind) {
    case 'bool': return false;
    case 'string': return '';
    case 'uuid': return ZERO_UUID;
    case 'bytes': return Buffer.alloc(0);
    case 'records': return null;
    default: return 0;
  }
}

function defaultMaker(f: Field, sub: Plan | undefined): () => unknown {
  const given = f.options.default;
  if (given !== undefined) {
    if (given === null || given === 'null') return () => null;
    const value = given;
    if (f.kind === 'array') return () => [];
    return () => value;
  }
  if (f.kind === 'array') return () => [];
  if (f.kind === 'struct') {
    assert(sub);
    return () => decodeDefaults(sub);
  }
  const v = scalarDefault(f.kind);
  return f.kind === 'bytes' ? () => Buffer.alloc(0) : () => v;
}

function decodeDefaults(plan: Plan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of plan.all) out[s.name] = s.makeDefault();
  return out;
}

const FIXED_BYTES: Partial<Record<ScalarKind, number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, int64: 8, float64: 8, uuid: 16,
};

function compile(fields: Fields, version: number, flexible: boolean): Plan {
  const all: Step[] = [];
  const body: Step[] = [];
  const tagged: Step[] = [];
  let bytesMin = flexible ? 1 : 0;
  for (const f of fields) {
    const present = inVersions(parseVersions(f.versions), version);
    const sub = f.kind === 'array' && 'fields' in f
      ? planFor(f.fields, version, flexible)
      : f.kind === 'struct' ? planFor(f.fields, version, flexible) : undefined;
    const taggedIn = f.options.tag !== undefined
      && inVersions(parseVersions(f.options.taggedVersions ?? f.versions), version) && flexible;
    const step: Step = {
      name: f.name,
      kind: present ? f.kind : 'absent',
      items: f.kind === 'array' && 'items' in f ? f.items : undefined,
      sub,
      nullable: present && f.options.nullable !== undefined && inVersions(parseVersions(f.options.nullable), version),
      compact: flexible && f.options.flexibleVersions !== 'none',
      tag: taggedIn ? f.options.tag! : -1,
      makeDefault: defaultMaker(f, sub),
    };
    assert(!(present && f.kind === 'struct' && !taggedIn), `${f.name}: untagged structs are not in any spec we serve`);
    all.push(step);
    if (!present) continue;
    if (taggedIn) {
      tagged.push(step);
    } else {
      body.push(step);
      bytesMin += f.kind === 'array' || f.kind === 'string' || f.kind === 'bytes' || f.kind === 'records'
        ? (step.compact ? 1 : f.kind === 'string' ? 2 : 4)
        : FIXED_BYTES[f.kind as ScalarKind]!;
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const taggedByTag = new Map(tagged.map((s) => [s.tag, s]));
  assert(taggedByTag.size === tagged.length, 'duplicate tags in one struct');
  return { all, body, tagged, taggedByTag, flexible, bytesMin: Math.max(bytesMin, 1) };
}

// ---- decode ----

function readScalar(r: KafkaReader, kind: ScalarKind, nullable: boolean, compact: boolean, name: string): unknown {
  switch (kind) {
    case 'bool': return r.bool();
    case 'int8': return r.int8();
    case 'int16': return r.int16();
    case 'uint16': return r.uint16();
    case 'int32': return r.int32();
    case 'int64': return r.int64();
    case 'float64': return r.float64();
    case 'uuid': return r.uuid();
    case 'string': {
      const n = r.length(compact, false, 1, name);
      if (n === -1) {
        if (!nullable) throw new InvalidRequestError(`${name} is null but not nullable`);
        return null;
      }
      return r.utf8(n);
    }
    case 'bytes':
    case 'records': {
      const n = r.length(compact, true, 1, name);
      if (n === -1) {
        if (!nullable) throw new InvalidRequestError(`${name} is null but not nullable`);
        return null;
      }
      return r.slice(n);
    }
  }
}

function readArray(r: KafkaReader, s: Step): unknown {
  const itemBytesMin = s.sub ? s.sub.bytesMin : s.items === 'string' ? (s.compact ? 1 : 2) : FIXED_BYTES[s.items!] ?? 1;
  const n = r.length(s.compact, true, itemBytesMin, s.name);
  if (n === -1) {
    if (!s.nullable) throw new InvalidRequestError(`${s.name} is null but not nullable`);
    return null;
  }
  const out = new Array<unknown>(n);
  if (s.sub) {
    for (let i = 0; i < n; i++) out[i] = readStruct(r, s.sub);
  } else {
    for (let i = 0; i < n; i++) out[i] = readScalar(r, s.items!, false, s.compact, s.name);
  }
  return out;
}

function readValue(r: KafkaReader, s: Step): unknown {
  if (s.kind === 'array') return readArray(r, s);
  if (s.kind === 'struct') return readStruct(r, s.sub!);
  return readScalar(r, s.kind as ScalarKind, s.nullable, s.compact, s.name);
}

function readStruct(r: KafkaReader, plan: Plan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of plan.all) {
    out[s.name] = s.kind === 'absent' || s.tag >= 0 ? s.makeDefault() : readValue(r, s);
  }
  if (plan.flexible) readTaggedFields(r, plan, out);
  return out;
}

function readTaggedFields(r: KafkaReader, plan: Plan, out: Record<string, unknown>): void {
  const count = r.uvarint();
  if (count > TAGGED_FIELDS_MAX || count * 2 > r.remaining) {
    throw new InvalidRequestError(`${count} tagged fields cannot fit in ${r.remaining} bytes`);
  }
  let lastTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= lastTag) throw new InvalidRequestError(`tagged field ${tag} out of order`);
    lastTag = tag;
    const size = r.uvarint();
    if (size > r.remaining) throw new InvalidRequestError(`tagged field ${tag} claims ${size} bytes, ${r.remaining} remain`);
    const step = plan.taggedByTag.get(tag);
    if (!step) {
      r.skip(size);
      continue;
    }
    const sub = new KafkaReader(r.buf, r.pos, r.pos + size);
    out[step.name] = readValue(sub, step);
    if (sub.pos !== sub.end) throw new InvalidRequestError(`tagged field ${tag} has ${sub.end - sub.pos} bytes left over`);
    r.skip(size);
  }
}

/** Decodes one struct of `fields` at `version`, advancing the reader. */
export function decodeStruct<S extends Fields>(r: KafkaReader, fields: S, version: number, flexible: boolean): Decoded<S> {
  return readStruct(r, planFor(fields, version, flexible)) as Decoded<S>;
}

// ---- encode ----

function writeScalar(w: KafkaWriter, kind: ScalarKind, v: unknown, s: Step): void {
  switch (kind) {
    case 'bool': w.bool(v as boolean); return;
    case 'int8': w.int8(v as number); return;
    case 'int16': w.int16(v as number); return;
    case 'uint16': w.uint16(v as number); return;
    case 'int32': w.int32(v as number); return;
    case 'int64': w.int64(v as number); return;
    case 'float64': w.float64(v as number); return;
    case 'uuid': w.uuid(v as string); return;
    case 'string':
      if (v === null) nullOrThrow(w, s, false);
      else w.string(v as string, s.compact);
      return;
    case 'bytes':
    case 'records':
      if (v === null) nullOrThrow(w, s, true);
      else {
        const b = v as Buffer;
        w.length(b.length, s.compact, true);
        if (kind === 'records') w.records(b);
        else w.raw(b);
      }
  }
}

function nullOrThrow(w: KafkaWriter, s: Step, wide: boolean): void {
  if (!s.nullable) throw new RangeError(`${s.name} may not be null in this version`);
  w.length(-1, s.compact, wide);
}

function writeValue(w: KafkaWriter, s: Step, v: unknown): void {
  if (s.kind === 'array') {
    if (v === null) {
      nullOrThrow(w, s, true);
      return;
    }
    const items = v as readonly unknown[];
    w.length(items.length, s.compact, true);
    if (s.sub) for (const item of items) writeStruct(w, s.sub, item as Record<string, unknown>);
    else for (const item of items) writeScalar(w, s.items!, item, s);
    return;
  }
  if (s.kind === 'struct') {
    writeStruct(w, s.sub!, v as Record<string, unknown>);
    return;
  }
  writeScalar(w, s.kind as ScalarKind, v, s);
}

function writeStruct(w: KafkaWriter, plan: Plan, value: Record<string, unknown>): void {
  for (const s of plan.body) {
    const v = value[s.name];
    writeValue(w, s, v === undefined ? s.makeDefault() : v);
  }
  if (!plan.flexible) return;
  const present: Array<[Step, unknown]> = [];
  for (const s of plan.tagged) {
    const v = value[s.name];
    if (v !== undefined && !isDefault(v, s.makeDefault())) present.push([s, v]);
  }
  w.uvarint(present.length);
  for (const [s, v] of present) {
    const inner = new KafkaWriter(64);
    writeValue(inner, s, v);
    const bytes = inner.toBuffer();
    w.uvarint(s.tag);
    w.uvarint(bytes.length);
    w.raw(bytes);
  }
}

function isDefault(v: unknown, d: unknown): boolean {
  if (v === d) return true;
  if (Array.isArray(v)) return Array.isArray(d) && v.length === 0 && d.length === 0;
  if (Buffer.isBuffer(v)) return Buffer.isBuffer(d) && v.equals(d);
  if (v !== null && typeof v === 'object' && d !== null && typeof d === 'object') {
    const dv = d as Record<string, unknown>;
    const vv = v as Record<string, unknown>;
    return Object.keys(dv).every((k) => vv[k] === undefined || isDefault(vv[k], dv[k]));
  }
  return false;
}

/** Encodes one struct of `fields` at `version` onto the writer. */
export function encodeStruct<S extends Fields>(w: KafkaWriter, fields: S, version: number, flexible: boolean, value: Input<S>): void {
  writeStruct(w, planFor(fields, version, flexible), value as Record<string, unknown>);
}

/**
 * Where the top-level field `name` lies in a struct of `fields` encoded at `version`, for writing
 * a fixed-size field into an already encoded message (the broker fills throttle_time_ms once the
 * quota has measured the answer): `fromStart` bytes after the struct's first byte when every field
 * before it has a fixed size, else `fromEnd` bytes before the struct's end (measured from the
 * field's first byte) when every field after it has a fixed size and no tagged field can follow.
 * null when the version lacks the field or neither holds.
 */
export function fixedFieldPosition(
  fields: Fields, version: number, flexible: boolean, name: string,
): { readonly fromStart: number } | { readonly fromEnd: number } | null {
  const plan = planFor(fields, version, flexible);
  const index = plan.body.findIndex((s) => s.name === name);
  if (index < 0) return null;
  const size = (s: Step): number | undefined => (s.kind === 'array' || s.kind === 'struct' || s.kind === 'absent' ? undefined : FIXED_BYTES[s.kind]);
  const own = size(plan.body[index]!);
  if (own === undefined) return null;
  let before = 0;
  for (let i = 0; i < index && before >= 0; i++) before = size(plan.body[i]!) === undefined ? -1 : before + size(plan.body[i]!)!;
  if (before >= 0) return { fromStart: before };
  // The tagged section of a flexible struct: one byte (a count of 0) when no tagged field exists.
  if (plan.tagged.length > 0) return null;
  let after = flexible ? 1 : 0;
  for (let i = index + 1; i < plan.body.length; i++) {
    const s = size(plan.body[i]!);
    if (s === undefined) return null;
    after += s;
  }
  return { fromEnd: own + after };
}
