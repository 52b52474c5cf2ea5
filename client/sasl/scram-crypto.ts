/**
 * SCRAM key arithmetic (RFC 5802 section 3) on WebCrypto, for the SDK and the CLI: the same
 * code on Node 20+ (`globalThis.crypto`) and in browsers. All calls are asynchronous because
 * `crypto.subtle` is.
 *
 *   SaltedPassword = PBKDF2(password, salt, iterations)   ClientKey = HMAC(SaltedPassword, "Client Key")
 *   StoredKey = H(ClientKey)                               ServerKey = HMAC(SaltedPassword, "Server Key")
 */
import { SCRAM_MECHANISMS, type ScramHash, type ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';

const utf8 = new TextEncoder();

/** WebCrypto wants an ArrayBuffer-backed view; copy one that might sit on a SharedArrayBuffer. */
function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

export async function hmacSign(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', buf(key), { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, buf(data)));
}

export async function sha(hash: ScramHash, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, buf(data)));
}

export interface ScramKeys {
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

export async function deriveScramKeys(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Promise<ScramKeys> {
  const { hash, keyBytes } = SCRAM_MECHANISMS[mechanism];
  const base = await crypto.subtle.importKey('raw', utf8.encode(password), 'PBKDF2', false, ['deriveBits']);
  const salted = new Uint8Array(await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash, salt: buf(salt), iterations }, base, keyBytes * 8));
  return {
    clientKey: await hmacSign(hash, salted, utf8.encode('Client Key')),
    serverKey: await hmacSign(hash, salted, utf8.encode('Server Key')),
  };
}

/** What a broker stores for a password: made on the client, so the password never travels. */
export interface ScramSecret {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

export async function scramSecretFromPassword(mechanism: ScramMechanism, password: string, iterations: number, saltBytes: number): Promise<ScramSecret> {
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const keys = await deriveScramKeys(mechanism, password, salt, iterations);
  return { salt, iterations, storedKey: await sha(SCRAM_MECHANISMS[mechanism].hash, keys.clientKey), serverKey: keys.serverKey };
}
