/**
 * One connection's SASL login, whatever the listener: the WebSocket protocol's handshake and
 * Kafka's SaslHandshake/SaslAuthenticate both drive it.
 *
 *   const auth = new SaslAuthenticator({ credentials, tls, stats });
 *   auth.begin('SCRAM-SHA-512');             // UnsupportedSaslMechanismError if not offered here
 *   const step = await auth.step(token);     // challenge to send; step.principal once complete
 *
 * Mechanisms offered: SCRAM-SHA-256 and SCRAM-SHA-512 everywhere; PLAIN only on a TLS
 * connection, since its message carries the password.
 *
 * A failed login (any SaslAuthenticationFailedError: wrong password, unknown user, malformed
 * or altered message) is counted and answered only after AUTH_FAILURE_DELAY_MS, Kafka's
 * connection.failed.authentication.delay.ms, so guessing passwords costs an attacker time per
 * try on every connection; the listener then closes the connection. The error's message never
 * says whether the user exists (scram-server.ts, plain-server.ts).
 */
import { IllegalSaslStateError, SaslAuthenticationFailedError, UnsupportedSaslMechanismError } from '../../proto/errors.js';
import { SCRAM_MECHANISM_NAMES, isScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import type { CredentialStore } from './credential-store.js';
import { PlainServer } from './plain-server.js';
import { userPrincipal } from './principal.js';
import { ScramServer } from './scram-server.js';
import type { SecurityStats } from './security-stats.js';

/** Delay before a failed login is answered (Kafka's default connection.failed.authentication.delay.ms). */
export const AUTH_FAILURE_DELAY_MS = 100;

export const SASL_PLAIN = 'PLAIN';
export type SaslMechanismName = (typeof SCRAM_MECHANISM_NAMES)[number] | typeof SASL_PLAIN;

export function saslMechanismsOffered(tls: boolean): SaslMechanismName[] {
  return tls ? [...SCRAM_MECHANISM_NAMES, SASL_PLAIN] : [...SCRAM_MECHANISM_NAMES];
}

export interface SaslAuthenticatorOptions {
  readonly credentials: CredentialStore;
  /** Whether the connection is TLS (PLAIN is offered only then). */
  readonly tls: boolean;
  readonly stats: SecurityStats;
  /** Waits before a failure is reported; tests shorten it. @default AUTH_FAILURE_DELAY_MS */
  readonly failureDelayMs?: number;
}

export interface SaslStepResult {
  readonly challenge: Uint8Array;
  /** Set once the login succeeded: `User:<name>`. */
  readonly principal: string | null;
}

export class SaslAuthenticator {
  private server: ScramServer | PlainServer | null = null;
  private failed = false;
  private principal: string | null = null;

  constructor(private readonly opts: SaslAuthenticatorOptions) {}

  get mechanisms(): SaslMechanismName[] {
    return saslMechanismsOffered(this.opts.tls);
  }

  get authenticatedPrincipal(): string | null {
    return this.principal;
  }

  /** Picks the mechanism; only once per connection. */
  begin(mechanism: string): void {
    if (this.server !== null || this.failed) throw new IllegalSaslStateError('a SASL mechanism was already chosen on this connection');
    if (!(this.mechanisms as string[]).includes(mechanism)) {
      const why = mechanism === SASL_PLAIN ? ' (PLAIN is offered only over TLS)' : '';
      throw new UnsupportedSaslMechanismError(`SASL mechanism ${mechanism} is not offered${why}; offered: ${this.mechanisms.join(', ')}`);
    }
    const { credentials } = this.opts;
    this.server = isScramMechanism(mechanism)
      ? new ScramServer({ mechanism, lookup: (u, m) => credentials.lookup(u, m), fakeCredential: (u, m) => credentials.fakeCredential(u, m) })
      : new PlainServer(credentials);
  }

  /** Feeds one client token; failures reject after the failure delay. */
  async step(token: Uint8Array): Promise<SaslStepResult> {
    const server = this.server;
    if (server === null) throw new IllegalSaslStateError('no SASL mechanism chosen yet');
    if (this.failed || this.principal !== null) throw new IllegalSaslStateError('the SASL exchange on this connection is over');
    try {
      const out = await server.evaluate(token);
      if (out.complete) {
        this.principal = userPrincipal(server.username!);
        this.opts.stats.authenticationsSucceeded++;
      }
      return { challenge: out.challenge, principal: this.principal };
    } catch (err) {
      this.failed = true;
      this.opts.stats.authenticationsFailed++;
      await new Promise((resolve) => setTimeout(resolve, this.opts.failureDelayMs ?? AUTH_FAILURE_DELAY_MS));
      if (err instanceof SaslAuthenticationFailedError || err instanceof IllegalSaslStateError) throw err;
      throw new SaslAuthenticationFailedError('authentication failed', { cause: err });
    }
  }
}
