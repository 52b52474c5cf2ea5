/**
 * SASL PLAIN (RFC 4616): one message, `[authzid] NUL authcid NUL password`, checked against
 * the user's stored SCRAM credential (SCRAM-SHA-512 if the user has one, else SCRAM-SHA-256):
 * the password is run through PBKDF2 with the stored salt and iterations and must give the
 * stored StoredKey. So PLAIN needs no second password store, and the broker still never keeps
 * a password. The password crosses the wire in the clear inside the message, which is why the
 * listeners offer PLAIN only over TLS.
 *
 * Cost: one PBKDF2 per login (~2-4 ms at 4,096 iterations), on the libuv threadpool so the
 * event loop keeps serving. An unknown user costs the same (a PBKDF2 over a stand-in
 * credential) and fails with the same message.
 */
import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { IllegalSaslStateError, SaslAuthenticationFailedError } from '../../proto/errors.js';
import { SCRAM_MECHANISMS, USERNAME_BYTES_MAX, type ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import type { CredentialStore } from './credential-store.js';
import { hash, hmac, nodeHash } from './scram-credential.js';

const pbkdf2Async = promisify(pbkdf2);

/** Longest PLAIN message: two names and a password of at most this many bytes each, and two NULs. */
export const PLAIN_PASSWORD_BYTES_MAX = 1_024;
export const PLAIN_MESSAGE_BYTES_MAX = 2 * USERNAME_BYTES_MAX + PLAIN_PASSWORD_BYTES_MAX + 2;

const PREFERRED: readonly ScramMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256'];
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class PlainServer {
  private done = false;
  private authenticated: string | null = null;

  constructor(private readonly credentials: CredentialStore) {}

  get username(): string | null {
    return this.authenticated;
  }

  async evaluate(message: Uint8Array): Promise<{ challenge: Uint8Array; complete: boolean }> {
    if (this.done) throw new IllegalSaslStateError('PLAIN takes one message');
    this.done = true;
    if (message.length === 0 || message.length > PLAIN_MESSAGE_BYTES_MAX) {
      throw new SaslAuthenticationFailedError(`PLAIN message must be 1-${PLAIN_MESSAGE_BYTES_MAX} bytes`);
    }
    let text: string;
    try {
      text = strictUtf8.decode(message);
    } catch {
      throw new SaslAuthenticationFailedError('PLAIN message is not valid UTF-8');
    }
    const parts = text.split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationFailedError('PLAIN message must be authzid NUL authcid NUL password');
    const [authzid, username, password] = parts as [string, string, string];
    if (username.length === 0 || password.length === 0) throw new SaslAuthenticationFailedError('PLAIN user name and password must not be empty');
    if (authzid !== '' && authzid !== username) throw new SaslAuthenticationFailedError('authorization id must be empty or equal to the user name');

    const real = PREFERRED.map((m) => this.credentials.lookup(username, m)).find((c) => c !== undefined);
    const credential = real ?? this.credentials.fakeCredential(username, PREFERRED[0]!);
    const m = credential.mechanism;
    const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), credential.salt, credential.iterations, SCRAM_MECHANISMS[m].keyBytes, nodeHash(m));
    const storedKey = hash(m, hmac(m, salted, 'Client Key'));
    if (!(timingSafeEqual(storedKey, credential.storedKey) && real !== undefined)) {
      throw new SaslAuthenticationFailedError('Authentication failed: Invalid username or password');
    }
    this.authenticated = username;
    return { challenge: new Uint8Array(0), complete: true };
  }
}
