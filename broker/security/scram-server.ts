/**
 * The broker's side of one SCRAM exchange (RFC 5802 section 5), as a state machine fed the
 * client's messages, the way Kafka's ScramSaslServer is fed SaslAuthenticate tokens:
 *
 *   client-first ──evaluate──▶ server-first      (state: awaiting client-final)
 *   client-final ──evaluate──▶ server-final      (state: complete; `username` is set)
 *
 * Any failure moves to `failed` and throws SaslAuthenticationFailedError; a message after
 * `complete` or `failed` throws IllegalSaslStateError. One instance serves one exchange, so a
 * client-final replayed on another connection meets a different server nonce and fails, and a
 * second client-final on this one is refused by state.
 *
 * Unknown users are not told apart from wrong passwords: the exchange goes on with a stand-in
 * credential (FakeCredentials: a salt that is stable per name, random keys), so the
 * server-first looks like a real one and the proof check fails with the same message and the
 * same work as for a wrong password. The message is Kafka's own wording.
 *
 * Checks at client-final: the c= value is exactly base64 of the client-first's GS2 header (no
 * channel binding is offered, so nothing else is valid), the nonce is exactly the server-first's
 * (the client's part followed by ours; librdkafka's doubled client part is also accepted), and
 * H(proof XOR HMAC(StoredKey, AuthMessage)) equals StoredKey, compared in constant time.
 *
 * Not thread-shared; each connection owns its instance. Work per exchange: two HMACs, one hash
 * and one random nonce.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { toBase64 } from '../../proto/base64.js';
import { IllegalSaslStateError, SaslAuthenticationFailedError } from '../../proto/errors.js';
import { SCRAM_MECHANISMS, SCRAM_NONCE_BYTES, type ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import {
  authMessage, encodeScramText, expectedChannelBinding, formatServerFinal, formatServerFirst, parseClientFinal,
  parseClientFirst, type ClientFirstMessage,
} from '../../proto/sasl/scram-messages.js';
import { hash, hmac, type ScramCredential } from './scram-credential.js';

/** Finds a user's credential for a mechanism; undefined when there is none. */
export type CredentialLookup = (username: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** A credential to run the exchange with when the user does not exist. */
export type FakeCredentialSource = (username: string, mechanism: ScramMechanism) => ScramCredential;

export interface ScramServerOptions {
  readonly mechanism: ScramMechanism;
  readonly lookup: CredentialLookup;
  readonly fakeCredential: FakeCredentialSource;
  /** The server's nonce part; random (SCRAM_NONCE_BYTES, base64) unless a test fixes it. */
  readonly serverNonce?: () => string;
}

/** One step's answer: the bytes to send back, and whether the exchange succeeded with it. */
export interface SaslStep {
  readonly challenge: Uint8Array;
  readonly complete: boolean;
}

type State = 'awaiting-client-first' | 'awaiting-client-final' | 'complete' | 'failed';

export class ScramServer {
  readonly mechanism: ScramMechanism;
  private state: State = 'awaiting-client-first';
  private clientFirst: ClientFirstMessage | null = null;
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | null = null;
  private userExists = false;
  private authenticated: string | null = null;

  constructor(private readonly opts: ScramServerOptions) {
    this.mechanism = opts.mechanism;
  }

  /** The authenticated user name once complete, else null. */
  get username(): string | null {
    return this.authenticated;
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  evaluate(message: Uint8Array): SaslStep {
    switch (this.state) {
      case 'awaiting-client-first':
        return this.guard(() => this.onClientFirst(message));
      case 'awaiting-client-final':
        return this.guard(() => this.onClientFinal(message));
      default:
        throw new IllegalSaslStateError(`SCRAM exchange is already ${this.state}; no more messages are expected`);
    }
  }

  private guard(step: () => SaslStep): SaslStep {
    try {
      return step();
    } catch (err) {
      this.state = 'failed';
      this.credential = null;
      throw err;
    }
  }

  private onClientFirst(message: Uint8Array): SaslStep {
    const first = parseClientFirst(message);
    if (first.authzid !== undefined && first.authzid !== first.username) {
      throw new SaslAuthenticationFailedError('authorization id must be empty or equal to the user name');
    }
    const real = this.opts.lookup(first.username, this.mechanism);
    this.userExists = real !== undefined;
    const credential = real ?? this.opts.fakeCredential(first.username, this.mechanism);
    this.credential = credential;
    this.clientFirst = first;
    const serverPart = this.opts.serverNonce?.() ?? toBase64(randomBytes(SCRAM_NONCE_BYTES));
    this.nonce = first.clientNonce + serverPart;
    this.serverFirst = formatServerFirst({ nonce: this.nonce, salt: credential.salt, iterations: credential.iterations });
    this.state = 'awaiting-client-final';
    return { challenge: encodeScramText(this.serverFirst), complete: false };
  }

  private onClientFinal(message: Uint8Array): SaslStep {
    const final = parseClientFinal(message);
    const first = this.clientFirst!;
    const credential = this.credential!;
    if (final.channelBinding !== expectedChannelBinding(first.gs2Header)) {
      throw new SaslAuthenticationFailedError('channel binding in the client-final message does not match the client-first GS2 header');
    }
    // librdkafka (kcat, confluent-kafka) sends its own nonce again in front of the server-first's
    // combined one; Kafka's broker accepts any client-final nonce that ends with the server's
    // (ScramSaslServer). Exactly those two forms pass here.
    if (final.nonce !== this.nonce && final.nonce !== first.clientNonce + this.nonce) {
      throw new SaslAuthenticationFailedError('Invalid client nonce in the final client message.');
    }
    const keyBytes = SCRAM_MECHANISMS[this.mechanism].keyBytes;
    const auth = authMessage(first.bare, this.serverFirst, final.withoutProof);
    // The proof is checked for length only after the same HMAC work as a full check, so a short
    // proof costs what a wrong one does.
    const clientSignature = hmac(this.mechanism, credential.storedKey, auth);
    const proofOk = final.proof.length === keyBytes;
    const clientKey = Buffer.alloc(keyBytes);
    for (let i = 0; i < keyBytes; i++) clientKey[i] = (proofOk ? final.proof[i]! : 0) ^ clientSignature[i]!;
    const matches = timingSafeEqual(hash(this.mechanism, clientKey), credential.storedKey);
    if (!(proofOk && matches && this.userExists)) {
      throw new SaslAuthenticationFailedError(
        `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`);
    }
    const serverSignature = hmac(this.mechanism, credential.serverKey, auth);
    this.state = 'complete';
    this.authenticated = first.username;
    this.credential = null;
    return { challenge: encodeScramText(formatServerFinal(serverSignature)), complete: true };
  }
}
