/**
 * A Buffer view of bytes (no copy), for the broker and the CLI, which run on Node only and
 * use Buffer's methods. Shared code (client/ and what it imports from proto/) holds
 * Uint8Arrays and must not import this: the browser bundle has no Buffer.
 */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
