/**
 * A Buffer view of the bytes a codec returned (no copy). Transitional: proto/ still reads
 * batches through Buffer's methods, while codecs return plain Uint8Arrays so that they can run
 * in a browser; this goes once proto/ reads Uint8Arrays itself.
 */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
