/**
 * The schema language for Kafka messages: a small TypeScript mirror of the JSON message specs
 * Apache Kafka publishes (clients/src/main/resources/common/message/*.json). A message is a list
 * of fields; each field names its type, the versions it exists in, the versions in which it may be
 * null, and, for tagged fields (KIP-482), its tag and tagged versions. The files in messages/ are
 * tables in this language, written from those specs; codec.ts compiles them once per version into
 * encoders and decoders, so no API has hand-written byte handling of its own.
 *
 * The static type of a decoded message follows from its table (`Decoded<typeof fields>`): every
 * field is present whatever the version, holding its default when the version lacks it, as
 * Kafka's own generated classes do. Encoders take the same shape with every field optional.
 *
 * Value types: int8/16/32, uint16 and float64 are numbers; int64 is a number too, refused on
 * decode when outside the safe-integer range (offsets, timestamps and producer ids fit); uuid is
 * 32 lower-case hex digits; string is a JS string (UTF-8 on the wire); bytes and records are
 * Buffers that share memory with the frame they were read from.
 */

export type ScalarKind =
  | 'bool' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'float64' | 'uuid'
  | 'string' | 'bytes' | 'records';

/** Options every field may carry, spelled as in the JSON specs. */
export interface FieldOptions {
  /** Versions in which the value may be null ("0+", "3-7"). */
  readonly nullable?: string;
  /** A tagged field: its tag number, written only when the value differs from its default. */
  readonly tag?: number;
  /** The versions in which the field is tagged; defaults to the field's versions. */
  readonly taggedVersions?: string;
  /** The value used when a version lacks the field or a tagged field is absent. */
  readonly default?: unknown;
  /** "none": always the classic encoding, even in flexible versions (RequestHeader.ClientId). */
  readonly flexibleVersions?: 'none';
}

export interface ScalarField<N extends string = string, K extends ScalarKind = ScalarKind,
  O extends FieldOptions = FieldOptions> {
  readonly name: N;
  readonly kind: K;
  readonly versions: string;
  readonly options: O;
}

export interface ScalarArrayField<N extends string = string, K extends ScalarKind = ScalarKind,
  O extends FieldOptions = FieldOptions> {
  readonly name: N;
  readonly kind: 'array';
  readonly items: K;
  readonly versions: string;
  readonly options: O;
}

export interface StructArrayField<N extends string = string, S extends Fields = Fields,
  O extends FieldOptions = FieldOptions> {
  readonly name: N;
  readonly kind: 'array';
  readonly fields: S;
  readonly versions: string;
  readonly options: O;
}

export interface StructField<N extends string = string, S extends Fields = Fields,
  O extends FieldOptions = FieldOptions> {
  readonly name: N;
  readonly kind: 'struct';
  readonly fields: S;
  readonly versions: string;
  readonly options: O;
}

export type Field = ScalarField | ScalarArrayField | StructArrayField | StructField;
export type Fields = readonly Field[];

/** A scalar field: `field('acks', 'int16', '0+')`. */
export function field<const N extends string, const K extends ScalarKind, const O extends FieldOptions = {}>(
  name: N, kind: K, versions: string, options?: O,
): ScalarField<N, K, O> {
  return { name, kind, versions, options: (options ?? {}) as O };
}

/** An array of scalars (`items` a kind) or of structs (`items` a field list). */
export function array<const N extends string, const K extends ScalarKind, const O extends FieldOptions = {}>(
  name: N, versions: string, items: K, options?: O): ScalarArrayField<N, K, O>;
export function array<const N extends string, const S extends Fields, const O extends FieldOptions = {}>(
  name: N, versions: string, items: S, options?: O): StructArrayField<N, S, O>;
export function array(name: string, versions: string, items: ScalarKind | Fields, options?: FieldOptions): Field {
  return typeof items === 'string'
    ? { name, kind: 'array', items, versions, options: options ?? {} }
    : { name, kind: 'array', fields: items, versions, options: options ?? {} };
}

/** A nested struct that is not an array (in these specs, always a tagged field). */
export function struct<const N extends string, const S extends Fields, const O extends FieldOptions = {}>(
  name: N, versions: string, fields: S, options?: O,
): StructField<N, S, O> {
  return { name, kind: 'struct', fields, versions, options: (options ?? {}) as O };
}

type ScalarValue<K extends ScalarKind> =
  K extends 'bool' ? boolean
    : K extends 'string' | 'uuid' ? string
      : K extends 'bytes' | 'records' ? Buffer
        : number;

type OrNull<O, T> = O extends { readonly nullable: string } ? T | null : T;

type ValueOf<F> =
  F extends ScalarField<string, infer K, infer O> ? OrNull<O, K extends 'records' ? Buffer | null : ScalarValue<K>>
    : F extends ScalarArrayField<string, infer K, infer O> ? OrNull<O, ScalarValue<K>[]>
      : F extends StructArrayField<string, infer S, infer O> ? OrNull<O, Decoded<S>[]>
        : F extends StructField<string, infer S, infer O> ? OrNull<O, Decoded<S>>
          : never;

type InputOf<F> =
  F extends ScalarField<string, infer K, infer O> ? OrNull<O, K extends 'records' ? Buffer | null : ScalarValue<K>>
    : F extends ScalarArrayField<string, infer K, infer O> ? OrNull<O, readonly ScalarValue<K>[]>
      : F extends StructArrayField<string, infer S, infer O> ? OrNull<O, readonly Input<S>[]>
        : F extends StructField<string, infer S, infer O> ? OrNull<O, Input<S>>
          : never;

/** What a decoder returns for a field list: every field, defaults where the version lacks it. */
export type Decoded<S extends Fields> = { -readonly [F in S[number] as F['name']]: ValueOf<F> };

/** What an encoder takes: any field may be left out, and then gets its default. */
export type Input<S extends Fields> = { readonly [F in S[number] as F['name']]?: InputOf<F> };

/** An inclusive version range; `max` is Infinity for "N+". `none` is the empty range. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NO_VERSIONS: VersionRange = { min: 0, max: -1 };

/** Parses the specs' version syntax: "3+", "0-7", "5", "none". */
export function parseVersions(spec: string): VersionRange {
  if (spec === 'none') return NO_VERSIONS;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  if (/^\d+$/.test(spec)) return { min: Number(spec), max: Number(spec) };
  throw new Error(`bad version spec "${spec}"`);
}

export function inVersions(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

/** One API: its key, the versions this broker serves, the first flexible version, and both schemas. */
export interface ApiSchema<Req extends Fields = Fields, Res extends Fields = Fields> {
  readonly key: number;
  readonly name: string;
  /** The versions served, a sub-range of those the spec defines. */
  readonly versions: VersionRange;
  /** First version with the flexible (KIP-482) encoding; Infinity when none is. */
  readonly flexibleFrom: number;
  readonly request: Req;
  readonly response: Res;
}

export function defineApi<const Req extends Fields, const Res extends Fields>(spec: {
  key: number; name: string; versions: string; flexibleVersions: string; request: Req; response: Res;
}): ApiSchema<Req, Res> {
  const versions = parseVersions(spec.versions);
  if (!Number.isFinite(versions.max)) throw new Error(`${spec.name}: served versions must be bounded`);
  return {
    key: spec.key,
    name: spec.name,
    versions,
    flexibleFrom: spec.flexibleVersions === 'none' ? Infinity : parseVersions(spec.flexibleVersions).min,
    request: spec.request,
    response: spec.response,
  };
}

export type RequestOf<A> = A extends ApiSchema<infer Req, Fields> ? Decoded<Req> : never;
export type ResponseOf<A> = A extends ApiSchema<Fields, infer Res> ? Input<Res> : never;
export type DecodedResponseOf<A> = A extends ApiSchema<Fields, infer Res> ? Decoded<Res> : never;
export type RequestInputOf<A> = A extends ApiSchema<infer Req, Fields> ? Input<Req> : never;
