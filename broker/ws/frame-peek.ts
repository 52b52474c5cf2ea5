/**
 * Recovers the correlation id of a request frame that failed to decode, so the client gets a
 * typed InvalidRequestError for that request instead of a dropped connection.
 *
 * Encoders write fields in field-number order, so a Request starts with field 1
 * (correlation_id, varint): tag byte 0x08, then a varint of at most 5 bytes for a uint32.
 * Anything else (including correlation id 0, which proto3 omits) is unrecoverable.
 */
const CORRELATION_ID_TAG = 0x08; // field 1 << 3 | wire type 0 (varint)
const UINT32_VARINT_BYTES_MAX = 5;

export function peekCorrelationId(frame: Uint8Array): number | null {
  if (frame.length < 2 || frame[0] !== CORRELATION_ID_TAG) return null;
  let value = 0;
  let shift = 0;
  for (let i = 1; i <= UINT32_VARINT_BYTES_MAX && i < frame.length; i++) {
    const byte = frame[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value <= 0xffff_ffff ? value : null;
    shift += 7;
  }
  return null;
}
