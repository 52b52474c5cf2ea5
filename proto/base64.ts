/**
 * Strict standard base64 (RFC 4648 section 4, padded) for small values: SCRAM salts, proofs
 * and keys, stored credentials. Platform-neutral (atob/btoa exist in Node 16+ and browsers).
 * Decoding refuses what atob would quietly accept (whitespace, missing padding, URL-safe
 * characters), because a lenient decoder gives two spellings to one value and SCRAM compares
 * spellings.
 */

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(text: string): boolean {
  return BASE64_PATTERN.test(text);
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** Decodes strict base64; returns null for anything else. */
export function fromBase64(text: string): Uint8Array | null {
  if (!BASE64_PATTERN.test(text)) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
