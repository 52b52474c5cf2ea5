/**
 * Conversions between what applications pass (strings, Buffers, Uint8Arrays) and the bytes
 * the record codec writes. Bytes pass through untouched (no copy; a Buffer is a Uint8Array);
 * a string is UTF-8 encoded by the platform (Node's native encoder, TextEncoder in browsers).
 */
import type { RecordHeader } from '../proto/record-batch.js';
import { utf8Length, utf8Encode } from '../proto/bytes.js';

/** A record key or value as the application may give it. */
export type RecordData = string | Uint8Array | null;

/**
 * Record headers: an object (one value per key) or a list (keys may repeat, order kept).
 */
export type HeadersInput =
  | Readonly<Record<string, RecordData | undefined>>
  | ReadonlyArray<{ readonly key: string; readonly value: RecordData }>;

export function toBuffer(data: RecordData | undefined): Uint8Array | null {
  if (data == null) return null;
  if (typeof data === 'string') return utf8Encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`record key/value must be a string, Buffer, Uint8Array or null, got ${typeof data}`);
}

/** Normalises headers to the codec's list form; undefined when there are none. */
export function toHeaders(headers: HeadersInput | undefined): RecordHeader[] | undefined {
  if (headers == null) return undefined;
  const out: RecordHeader[] = [];
  if (Array.isArray(headers)) {
    for (const h of headers as ReadonlyArray<{ key: string; value: RecordData }>) {
      out.push({ key: String(h.key), value: toBuffer(h.value) });
    }
  } else {
    for (const key of Object.keys(headers)) {
      const value = (headers as Record<string, RecordData | undefined>)[key];
      if (value !== undefined) out.push({ key, value: toBuffer(value) });
    }
  }
  return out.length === 0 ? undefined : out;
}

/** Bytes the headers add to a record, key and value bytes only (overheads are added apart). */
export function headersBytes(headers: readonly RecordHeader[] | undefined): number {
  if (headers === undefined) return 0;
  let bytes = 0;
  for (const h of headers) bytes += utf8Length(h.key) + (h.value?.length ?? 0);
  return bytes;
}
