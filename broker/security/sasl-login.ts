/**
 * A connection's SASL login as the listeners' handlers drive it, whatever the wire: Kafka's
 * SaslHandshake + SaslAuthenticate (KIP-152), and the WebSocket protocol's login requests.
 *
 *   beginSaslLogin(ctx, 'SCRAM-SHA-256')        picks the mechanism (once per connection)
 *   await stepSaslLogin(ctx, token)             one client message in, the challenge out;
 *                                               `principal` set once the login succeeded
 *
 * Every failure (unsupported mechanism, wrong password, unknown user, malformed or replayed
 * message, a second login) throws a typed error and asks the connection to close once that
 * answer is out: Kafka's brokers close after a failed authentication too, and a fresh
 * connection costs an attacker another TCP handshake and another AUTH_FAILURE_DELAY_MS
 * (sasl-authenticator.ts). A successful login sets the connection's principal (`User:<name>`).
 *
 * Without security, or with `--auth none`, there is no mechanism to offer: IllegalSaslStateError,
 * and the connection stays (what a Kafka PLAINTEXT listener does with a stray SASL request).
 */
import { IllegalSaslStateError, StrataError } from '../../proto/errors.js';
import type { ConnectionSession, RequestContext } from '../server/request-context.js';
import type { BrokerSecurity } from './broker-security.js';
import { SaslAuthenticator, saslMechanismsOffered } from './sasl-authenticator.js';

/** The mechanisms this connection may log in with; [] when the broker does not authenticate. */
export function saslMechanismsFor(ctx: RequestContext): string[] {
  const security = ctx.services.security;
  if (!security?.saslEnabled) return [];
  return saslMechanismsOffered(ctx.session?.tls ?? false);
}

function loginContext(ctx: RequestContext): { security: BrokerSecurity; session: ConnectionSession } {
  const security = ctx.services.security;
  const session = ctx.session;
  if (!security?.saslEnabled || !session) {
    throw new IllegalSaslStateError('SASL authentication is not enabled on this broker (it runs with --auth none)');
  }
  return { security, session };
}

/** Runs `fn`; on any failure the connection closes after the answer. */
function closingOnFailure<T>(session: ConnectionSession | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    session?.closeAfterAnswer(err instanceof StrataError ? err.message : 'SASL login failed');
    throw err;
  }
}

export function beginSaslLogin(ctx: RequestContext, mechanism: string): void {
  const { security, session } = loginContext(ctx);
  closingOnFailure(session, () => {
    if (session.login !== null || security.isAuthenticated(ctx)) {
      throw new IllegalSaslStateError('this connection has already begun or completed a SASL login; re-authentication is not supported');
    }
    const auth = security.newAuthenticator(session.tls);
    // Kept even if begin() refuses: a connection gets one try at choosing.
    session.login = auth;
    auth.begin(mechanism);
  });
}

export async function stepSaslLogin(ctx: RequestContext, token: Uint8Array): Promise<{ challenge: Uint8Array; principal: string | null }> {
  const { session } = loginContext(ctx);
  const auth = closingOnFailure(session, () => {
    const login = session.login;
    if (!(login instanceof SaslAuthenticator)) throw new IllegalSaslStateError('no SASL mechanism chosen on this connection yet');
    return login;
  });
  try {
    const step = await auth.step(token);
    if (step.principal !== null) {
      session.authenticated(step.principal);
      ctx.logger.debug({ principal: step.principal }, 'SASL login succeeded');
    }
    return step;
  } catch (err) {
    ctx.logger.info({ remote: ctx.remoteAddress, listener: ctx.listener, err: (err as Error).message }, 'SASL login failed');
    session.closeAfterAnswer('SASL authentication failed');
    throw err;
  }
}
