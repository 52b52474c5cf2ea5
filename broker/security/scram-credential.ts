/**
 * A stored SCRAM credential and the broker-side key arithmetic of RFC 5802 section 3, on
 * node:crypto (synchronous: a login costs two HMACs and a hash, microseconds, so it runs on the
 * event loop; only creating a credential runs PBKDF2).
 *
 *   SaltedPassword = PBKDF2-HMAC-H(password, salt, iterations)
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")      StoredKey = H(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 *
 * The broker keeps StoredKey and ServerKey, never the password nor SaltedPassword: a stolen
 * credentials file lets an attacker impersonate the broker to a client, or brute-force the
 * password offline at `iterations` PBKDF2 rounds a guess, but not log in as the user.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { UnacceptableCredentialError } from '../../proto/errors.js';
import {
  SCRAM_ITERATIONS_DEFAULT, SCRAM_ITERATIONS_MAX, SCRAM_ITERATIONS_MIN, SCRAM_MECHANISMS, SCRAM_SALT_BYTES,
  SCRAM_SALT_BYTES_MAX, SCRAM_SALT_BYTES_MIN, type ScramMechanism,
} from '../../proto/sasl/scram-mechanisms.js';

export interface ScramCredential {
  readonly mechanism: ScramMechanism;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

export function nodeHash(mechanism: ScramMechanism): string {
  return SCRAM_MECHANISMS[mechanism].hash.replace('-', '').toLowerCase(); // 'sha256' | 'sha512'
}

export function hmac(mechanism: ScramMechanism, key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac(nodeHash(mechanism), key).update(data).digest();
}

export function hash(mechanism: ScramMechanism, data: Uint8Array): Buffer {
  return createHash(nodeHash(mechanism)).update(data).digest();
}

export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, SCRAM_MECHANISMS[mechanism].keyBytes, nodeHash(mechanism));
}

/** Derives the credential a password gives; a fresh random salt unless one is passed. */
export function scramCredentialFromPassword(args: {
  mechanism: ScramMechanism;
  password: string;
  iterations?: number;
  salt?: Uint8Array;
}): ScramCredential {
  const iterations = args.iterations ?? SCRAM_ITERATIONS_DEFAULT;
  const salt = args.salt ?? randomBytes(SCRAM_SALT_BYTES);
  if (args.password.length === 0) throw new UnacceptableCredentialError('password must not be empty');
  const salted = saltedPassword(args.mechanism, args.password, salt, iterations);
  const credential = {
    mechanism: args.mechanism,
    salt,
    iterations,
    storedKey: hash(args.mechanism, hmac(args.mechanism, salted, 'Client Key')),
    serverKey: hmac(args.mechanism, salted, 'Server Key'),
  };
  checkScramCredential(credential);
  return credential;
}

/** Refuses a credential outside the bounds (a client may send one made elsewhere). */
export function checkScramCredential(c: ScramCredential): void {
  const keyBytes = SCRAM_MECHANISMS[c.mechanism]?.keyBytes;
  if (keyBytes === undefined) throw new UnacceptableCredentialError(`unknown SCRAM mechanism ${String(c.mechanism)}`);
  if (!Number.isSafeInteger(c.iterations) || c.iterations < SCRAM_ITERATIONS_MIN || c.iterations > SCRAM_ITERATIONS_MAX) {
    throw new UnacceptableCredentialError(`iterations must be in [${SCRAM_ITERATIONS_MIN}, ${SCRAM_ITERATIONS_MAX}], got ${c.iterations}`);
  }
  if (c.salt.length < SCRAM_SALT_BYTES_MIN || c.salt.length > SCRAM_SALT_BYTES_MAX) {
    throw new UnacceptableCredentialError(`salt must be ${SCRAM_SALT_BYTES_MIN}-${SCRAM_SALT_BYTES_MAX} bytes, got ${c.salt.length}`);
  }
  if (c.storedKey.length !== keyBytes || c.serverKey.length !== keyBytes) {
    throw new UnacceptableCredentialError(`${c.mechanism} keys must be ${keyBytes} bytes`);
  }
}
