/**
 * SaslHandshake on the WebSocket protocol: picks the login mechanism (broker/security/sasl-login.ts).
 * Refusals are request-level errors: UnsupportedSaslMechanismError (naming what is offered),
 * IllegalSaslStateError (a second login, or a broker without authentication).
 */
import { beginSaslLogin, saslMechanismsFor } from '../../security/sasl-login.js';
import type { RequestContext } from '../request-context.js';

export interface SaslHandshakeCommand {
  readonly mechanism: string;
}

export interface SaslHandshakeResult {
  readonly mechanisms: string[];
}

export async function handleSaslHandshake(ctx: RequestContext, cmd: SaslHandshakeCommand): Promise<SaslHandshakeResult> {
  beginSaslLogin(ctx, cmd.mechanism);
  return { mechanisms: saslMechanismsFor(ctx) };
}
