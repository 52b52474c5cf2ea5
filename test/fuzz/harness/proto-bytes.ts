/**
 * Hand-rolled protobuf bytes for frames the generated encoder cannot produce: exact 64-bit
 * varints (values past 2^53, negative int64), wrong wire types for known fields, unknown field
 * numbers, and length prefixes that lie. Wire types: 0 varint, 1 fixed64, 2 length-delimited,
 * 5 fixed32 (3 and 4, the deprecated groups, and 6/7 do not exist).
 */

/** Base-128 varint of a non-negative bigint, or of a negative one as its 64-bit two's complement. */
export function varint(value: bigint | number): Buffer {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

export function tag(field: number, wireType: number): Buffer {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

/** A varint field. */
export function vField(field: number, value: bigint | number): Buffer {
  return Buffer.concat([tag(field, 0), varint(value)]);
}

/** A length-delimited field; `declaredLength` lets the prefix lie. */
export function lField(field: number, payload: Buffer, declaredLength: bigint | number = payload.length): Buffer {
  return Buffer.concat([tag(field, 2), varint(declaredLength), payload]);
}

export function cat(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/** Request field numbers (proto/strata.proto). */
export const REQ = {
  correlationId: 1,
  apiVersions: 10,
  createTopics: 11,
  deleteTopics: 12,
  listTopics: 13,
  metadata: 14,
  produce: 15,
  fetch: 16,
  listOffsets: 17,
  initProducerId: 18,
} as const;

/** Known body field numbers: everything else in 2..2^29-1 is an unknown API. */
export const KNOWN_BODY_FIELDS: ReadonlySet<number> = new Set([10, 11, 12, 13, 14, 15, 16, 17, 18, 30, 31, 32, 33, 34, 35, 36, 37, 38]);
