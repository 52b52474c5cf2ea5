/**
 * The four SCRAM messages (RFC 5802 section 7) as text: parsers that refuse anything outside
 * the grammar with SaslAuthenticationFailedError, and formatters. Pure and platform-neutral:
 * the broker's verifier and the SDK's prover both use them.
 *
 *   client-first  = gs2-header client-first-bare
 *     gs2-header        = ("n" / "y") "," ["a=" saslname] ","     ("p=" channel binding: refused)
 *     client-first-bare = "n=" saslname ",r=" c-nonce *("," ext)
 *   server-first  = "r=" c-nonce s-nonce ",s=" base64(salt) ",i=" iterations *("," ext)
 *   client-final  = "c=" base64(gs2-header) ",r=" nonce *("," ext) ",p=" base64(proof)
 *   server-final  = ("v=" base64(signature) / "e=" error) *("," ext)
 *
 * Attribute values never contain ',' (saslnames escape it as "=2C" and '=' as "=3D"; nonces
 * and base64 exclude it), so splitting on ',' is exact. A leading "m=" (reserved for mandatory
 * extensions) must fail authentication (RFC 5802 section 5.1). Optional extensions are kept and
 * otherwise ignored, except Kafka's `tokenauth=true` (delegation tokens), which Strata does not
 * offer and refuses rather than silently treating as a password login.
 *
 * Like Kafka, neither side applies SASLprep: names and passwords are used as their UTF-8 bytes.
 */
import { fromBase64, isBase64, toBase64 } from '../base64.js';
import { SaslAuthenticationFailedError } from '../errors.js';
import { SCRAM_MESSAGE_BYTES_MAX, SCRAM_NONCE_CHARS_MAX, USERNAME_BYTES_MAX } from './scram-mechanisms.js';

export interface ClientFirstMessage {
  /** "n,," or "y,,", or with "a=<authzid>" between the commas; the client-final's c= encodes it. */
  readonly gs2Header: string;
  readonly authzid: string | undefined;
  readonly username: string;
  readonly clientNonce: string;
  readonly extensions: ReadonlyMap<string, string>;
  /** client-first-message-bare: the part that goes into the AuthMessage. */
  readonly bare: string;
}

export interface ServerFirstMessage {
  /** The client's nonce followed by the server's. */
  readonly nonce: string;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly text: string;
}

export interface ClientFinalMessage {
  /** The c= value as sent (base64 of the gs2 header for a client without channel binding). */
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Uint8Array;
  /** client-final-message-without-proof: the part that goes into the AuthMessage. */
  readonly withoutProof: string;
}

export type ServerFinalMessage =
  | { readonly kind: 'verifier'; readonly signature: Uint8Array }
  | { readonly kind: 'error'; readonly error: string };

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** printable except ',' (RFC 5802 `printable`), the alphabet of nonces. */
const NONCE_PATTERN = /^[\x21-\x2b\x2d-\x7e]+$/;
const ITERATIONS_PATTERN = /^[1-9][0-9]{0,9}$/;
/** Kafka's extension names are words (`tokenauth`), wider than RFC 5802's single ALPHA. */
const EXTENSION_PATTERN = /^([A-Za-z][A-Za-z0-9]*)=([^,]+)$/;

function fail(message: string): never {
  throw new SaslAuthenticationFailedError(message);
}

/** Decodes a message's bytes: bounded, strict UTF-8, no NUL. */
export function decodeScramText(bytes: Uint8Array, what: string): string {
  if (bytes.length === 0) fail(`empty SCRAM ${what} message`);
  if (bytes.length > SCRAM_MESSAGE_BYTES_MAX) fail(`SCRAM ${what} message is ${bytes.length} bytes, more than ${SCRAM_MESSAGE_BYTES_MAX}`);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    fail(`SCRAM ${what} message is not valid UTF-8`);
  }
  if (text.includes('\u0000')) fail(`SCRAM ${what} message contains NUL`);
  return text;
}

export function encodeScramText(text: string): Uint8Array {
  return utf8.encode(text);
}

/** RFC 5802 saslname: ',' → "=2C", '=' → "=3D". */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** The inverse of escapeSaslName; any other use of '=' is malformed. */
export function unescapeSaslName(saslName: string): string {
  let out = '';
  for (let i = 0; i < saslName.length; i++) {
    const ch = saslName[i]!;
    if (ch !== '=') {
      out += ch;
      continue;
    }
    const code = saslName.slice(i + 1, i + 3);
    if (code === '2C') out += ',';
    else if (code === '3D') out += '=';
    else fail('malformed saslname: "=" must be followed by 2C or 3D');
    i += 2;
  }
  return out;
}

function attribute(field: string | undefined, key: string, what: string): string {
  if (field === undefined || !field.startsWith(`${key}=`)) fail(`SCRAM ${what} message: expected attribute ${key}=`);
  return field.slice(key.length + 1);
}

function parseNonce(value: string, what: string): string {
  if (value.length === 0 || value.length > SCRAM_NONCE_CHARS_MAX || !NONCE_PATTERN.test(value)) {
    fail(`SCRAM ${what} message: nonce must be 1-${SCRAM_NONCE_CHARS_MAX} printable characters without ','`);
  }
  return value;
}

function parseExtensions(fields: readonly string[], what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of fields) {
    if (field.startsWith('m=')) fail(`SCRAM ${what} message: mandatory extension (m=) is not supported`);
    const m = EXTENSION_PATTERN.exec(field);
    if (!m) fail(`SCRAM ${what} message: malformed attribute`);
    out.set(m[1]!, m[2]!);
  }
  if (out.get('tokenauth')?.toLowerCase() === 'true') fail('delegation-token authentication (tokenauth) is not supported');
  return out;
}

function parseName(saslName: string, what: string, field: string): string {
  if (saslName.length === 0) fail(`SCRAM ${what} message: empty ${field}`);
  const name = unescapeSaslName(saslName);
  if (utf8.encode(name).length > USERNAME_BYTES_MAX) fail(`SCRAM ${what} message: ${field} longer than ${USERNAME_BYTES_MAX} bytes`);
  return name;
}

export function parseClientFirst(bytes: Uint8Array): ClientFirstMessage {
  const text = decodeScramText(bytes, 'client-first');
  const fields = text.split(',');
  const flag = fields[0];
  if (flag?.startsWith('p=')) fail('channel binding (p=) is not supported: use a mechanism without -PLUS');
  if (flag !== 'n' && flag !== 'y') fail('SCRAM client-first message: GS2 header must start with n or y');
  const authzField = fields[1];
  if (authzField === undefined) fail('SCRAM client-first message: truncated GS2 header');
  const authzid = authzField === '' ? undefined : parseName(attribute(authzField, 'a', 'client-first'), 'client-first', 'authzid');
  const rest = fields.slice(2);
  if (rest[0]?.startsWith('m=')) fail('SCRAM client-first message: mandatory extension (m=) is not supported');
  const username = parseName(attribute(rest[0], 'n', 'client-first'), 'client-first', 'username');
  const clientNonce = parseNonce(attribute(rest[1], 'r', 'client-first'), 'client-first');
  const extensions = parseExtensions(rest.slice(2), 'client-first');
  return {
    gs2Header: `${flag},${authzField},`,
    authzid, username, clientNonce, extensions,
    bare: rest.join(','),
  };
}

export function formatClientFirst(args: { username: string; clientNonce: string }): string {
  return `n,,n=${escapeSaslName(args.username)},r=${args.clientNonce}`;
}

/** The bare part of what formatClientFirst produced (everything after the "n,," header). */
export function clientFirstBare(clientFirst: string): string {
  return clientFirst.slice(clientFirst.indexOf(',', clientFirst.indexOf(',') + 1) + 1);
}

export function parseServerFirst(bytes: Uint8Array): ServerFirstMessage {
  const text = decodeScramText(bytes, 'server-first');
  const fields = text.split(',');
  if (fields[0]?.startsWith('m=')) fail('SCRAM server-first message: mandatory extension (m=) is not supported');
  const nonce = parseNonce(attribute(fields[0], 'r', 'server-first'), 'server-first');
  const saltText = attribute(fields[1], 's', 'server-first');
  const salt = saltText.length > 0 ? fromBase64(saltText) : null;
  if (salt === null) fail('SCRAM server-first message: salt is not base64');
  const iterationsText = attribute(fields[2], 'i', 'server-first');
  if (!ITERATIONS_PATTERN.test(iterationsText)) fail('SCRAM server-first message: iteration count is not a positive integer');
  parseExtensions(fields.slice(3), 'server-first');
  return { nonce, salt, iterations: Number(iterationsText), text };
}

export function formatServerFirst(args: { nonce: string; salt: Uint8Array; iterations: number }): string {
  return `r=${args.nonce},s=${toBase64(args.salt)},i=${args.iterations}`;
}

export function parseClientFinal(bytes: Uint8Array): ClientFinalMessage {
  const text = decodeScramText(bytes, 'client-final');
  const proofAt = text.lastIndexOf(',p=');
  if (proofAt < 0) fail('SCRAM client-final message: missing proof (p=)');
  const withoutProof = text.slice(0, proofAt);
  const proofText = text.slice(proofAt + 3);
  const fields = withoutProof.split(',');
  const channelBinding = attribute(fields[0], 'c', 'client-final');
  if (channelBinding.length === 0 || !isBase64(channelBinding)) fail('SCRAM client-final message: channel binding is not base64');
  const nonce = parseNonce(attribute(fields[1], 'r', 'client-final'), 'client-final');
  parseExtensions(fields.slice(2), 'client-final');
  const proof = proofText.length > 0 ? fromBase64(proofText) : null;
  if (proof === null) fail('SCRAM client-final message: proof is not base64');
  return { channelBinding, nonce, proof, withoutProof };
}

export function formatClientFinalWithoutProof(args: { gs2Header: string; nonce: string }): string {
  return `c=${toBase64(utf8.encode(args.gs2Header))},r=${args.nonce}`;
}

export function formatClientFinal(withoutProof: string, proof: Uint8Array): string {
  return `${withoutProof},p=${toBase64(proof)}`;
}

/** What c= must be for a client-first with this gs2 header: base64 of the header itself. */
export function expectedChannelBinding(gs2Header: string): string {
  return toBase64(utf8.encode(gs2Header));
}

export function parseServerFinal(bytes: Uint8Array): ServerFinalMessage {
  const text = decodeScramText(bytes, 'server-final');
  const fields = text.split(',');
  const first = fields[0] ?? '';
  parseExtensions(fields.slice(1), 'server-final');
  if (first.startsWith('e=')) return { kind: 'error', error: first.slice(2) };
  const value = attribute(first, 'v', 'server-final');
  const signature = value.length > 0 ? fromBase64(value) : null;
  if (signature === null) fail('SCRAM server-final message: verifier is not base64');
  return { kind: 'verifier', signature };
}

export function formatServerFinal(signature: Uint8Array): string {
  return `v=${toBase64(signature)}`;
}

/** AuthMessage = client-first-bare "," server-first "," client-final-without-proof. */
export function authMessage(clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): string {
  return `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
}
