/**
 * The SDK's side of a SCRAM exchange (RFC 5802 section 5), on WebCrypto (`crypto.subtle`), so
 * the same code runs on Node 20+ and in browsers:
 *
 *   const scram = new ScramClient({ mechanism: 'SCRAM-SHA-512', username, password });
 *   send(scram.clientFirst());
 *   send(await scram.clientFinal(serverFirstBytes));
 *   await scram.verifyServerFinal(serverFinalBytes);   // mutual authentication
 *
 * The client checks what a hostile or broken broker could send: the server nonce must extend
 * ours, the iteration count must lie in [SCRAM_ITERATIONS_MIN, SCRAM_ITERATIONS_MAX] (a huge
 * count would burn the client's CPU), the salt must be bounded, and the server's signature must
 * match, proving the broker holds the user's ServerKey. Any failure throws
 * SaslAuthenticationFailedError and ends the exchange.
 *
 * One instance per exchange; methods must be called in order, once each.
 */
import { toBase64 } from '../../proto/base64.js';
import { IllegalSaslStateError, SaslAuthenticationFailedError } from '../../proto/errors.js';
import {
  SCRAM_ITERATIONS_MAX, SCRAM_ITERATIONS_MIN, SCRAM_MECHANISMS, SCRAM_NONCE_BYTES, SCRAM_SALT_BYTES_MAX,
  isScramMechanism, type ScramMechanism,
} from '../../proto/sasl/scram-mechanisms.js';
import {
  authMessage, clientFirstBare, encodeScramText, formatClientFinal, formatClientFinalWithoutProof, formatClientFirst,
  parseServerFinal, parseServerFirst,
} from '../../proto/sasl/scram-messages.js';
import { deriveScramKeys, hmacSign, sha } from './scram-crypto.js';

export interface ScramClientOptions {
  readonly mechanism: ScramMechanism;
  readonly username: string;
  readonly password: string;
  /** The client's nonce; random (SCRAM_NONCE_BYTES, base64) unless a test fixes it. */
  readonly clientNonce?: string;
}

type State = 'initial' | 'sent-client-first' | 'sent-client-final' | 'complete' | 'failed';

export class ScramClient {
  readonly mechanism: ScramMechanism;
  private state: State = 'initial';
  private readonly firstMessage: string;
  private readonly clientNonce: string;
  private serverSignature: Uint8Array | null = null;

  constructor(private readonly opts: ScramClientOptions) {
    if (!isScramMechanism(opts.mechanism)) throw new SaslAuthenticationFailedError(`unknown SCRAM mechanism ${String(opts.mechanism)}`);
    if (opts.username.length === 0) throw new SaslAuthenticationFailedError('user name must not be empty');
    if (opts.password.length === 0) throw new SaslAuthenticationFailedError('password must not be empty');
    this.mechanism = opts.mechanism;
    this.clientNonce = opts.clientNonce ?? toBase64(crypto.getRandomValues(new Uint8Array(SCRAM_NONCE_BYTES)));
    this.firstMessage = formatClientFirst({ username: opts.username, clientNonce: this.clientNonce });
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  clientFirst(): Uint8Array {
    this.expect('initial');
    this.state = 'sent-client-first';
    return encodeScramText(this.firstMessage);
  }

  async clientFinal(serverFirstBytes: Uint8Array): Promise<Uint8Array> {
    this.expect('sent-client-first');
    try {
      const serverFirst = parseServerFirst(serverFirstBytes);
      if (!serverFirst.nonce.startsWith(this.clientNonce) || serverFirst.nonce.length === this.clientNonce.length) {
        throw new SaslAuthenticationFailedError('server nonce does not extend the client nonce');
      }
      if (serverFirst.iterations < SCRAM_ITERATIONS_MIN || serverFirst.iterations > SCRAM_ITERATIONS_MAX) {
        throw new SaslAuthenticationFailedError(
          `server asked for ${serverFirst.iterations} iterations, outside [${SCRAM_ITERATIONS_MIN}, ${SCRAM_ITERATIONS_MAX}]`);
      }
      if (serverFirst.salt.length === 0 || serverFirst.salt.length > SCRAM_SALT_BYTES_MAX) {
        throw new SaslAuthenticationFailedError(`server salt must be 1-${SCRAM_SALT_BYTES_MAX} bytes`);
      }
      const hash = SCRAM_MECHANISMS[this.mechanism].hash;
      const keys = await deriveScramKeys(this.mechanism, this.opts.password, serverFirst.salt, serverFirst.iterations);
      const withoutProof = formatClientFinalWithoutProof({ gs2Header: 'n,,', nonce: serverFirst.nonce });
      const auth = encodeScramText(authMessage(clientFirstBare(this.firstMessage), serverFirst.text, withoutProof));
      const storedKey = await sha(hash, keys.clientKey);
      const clientSignature = await hmacSign(hash, storedKey, auth);
      const proof = new Uint8Array(keys.clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = keys.clientKey[i]! ^ clientSignature[i]!;
      this.serverSignature = await hmacSign(hash, keys.serverKey, auth);
      this.state = 'sent-client-final';
      return encodeScramText(formatClientFinal(withoutProof, proof));
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  async verifyServerFinal(serverFinalBytes: Uint8Array): Promise<void> {
    this.expect('sent-client-final');
    this.state = 'failed';
    const final = parseServerFinal(serverFinalBytes);
    if (final.kind === 'error') throw new SaslAuthenticationFailedError(`broker refused the login: ${final.error}`);
    const expected = this.serverSignature!;
    let diff = final.signature.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) diff |= (final.signature[i] ?? 0) ^ expected[i]!;
    if (diff !== 0) throw new SaslAuthenticationFailedError('broker signature does not match: it does not hold this user\'s credential');
    this.state = 'complete';
  }

  private expect(state: State): void {
    if (this.state !== state) throw new IllegalSaslStateError(`SCRAM client is ${this.state}, expected ${state}`);
  }
}
