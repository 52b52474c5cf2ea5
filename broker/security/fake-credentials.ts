/**
 * Stand-in SCRAM credentials for user names that do not exist, so a login attempt cannot tell
 * an unknown user from a wrong password (RFC 5802 section 9 asks servers to do this).
 *
 * The salt is HMAC-SHA-256(secret, mechanism NUL name): the same name gets the same salt on
 * every attempt, as a real user's does, and no one without the secret can tell it from a real
 * one. The secret lives in the credential store, so salts stay stable across restarts too. The
 * iteration count is the default one; a real user created with another count is therefore
 * distinguishable by it, which is why `strata user create` keeps the default unless told.
 * Keys are random per attempt: they are never sent and never match a proof.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { SCRAM_ITERATIONS_DEFAULT, SCRAM_MECHANISMS, SCRAM_SALT_BYTES, type ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import type { ScramCredential } from './scram-credential.js';

/** Bytes of the secret the fake salts are derived from. */
export const FAKE_SALT_SECRET_BYTES = 32;

// The salt is cut from one SHA-256 output.
assert.ok(SCRAM_SALT_BYTES <= 32);

export function fakeScramCredential(secret: Uint8Array, username: string, mechanism: ScramMechanism): ScramCredential {
  const salt = createHmac('sha256', secret).update(`${mechanism}\u0000${username}`, 'utf8').digest().subarray(0, SCRAM_SALT_BYTES);
  const keyBytes = SCRAM_MECHANISMS[mechanism].keyBytes;
  return {
    mechanism,
    salt,
    iterations: SCRAM_ITERATIONS_DEFAULT,
    storedKey: randomBytes(keyBytes),
    serverKey: randomBytes(keyBytes),
  };
}

export function newFakeSaltSecret(): Uint8Array {
  return randomBytes(FAKE_SALT_SECRET_BYTES);
}
