/** SaslAuthenticate on the WebSocket protocol: one SASL token each way (broker/security/sasl-login.ts). */
import { stepSaslLogin } from '../../security/sasl-login.js';
import type { RequestContext } from '../request-context.js';

export interface SaslAuthenticateCommand {
  readonly authBytes: Uint8Array;
}

export interface SaslAuthenticateResult {
  readonly authBytes: Uint8Array;
  readonly complete: boolean;
}

export async function handleSaslAuthenticate(ctx: RequestContext, cmd: SaslAuthenticateCommand): Promise<SaslAuthenticateResult> {
  const step = await stepSaslLogin(ctx, cmd.authBytes);
  return { authBytes: step.challenge, complete: step.principal !== null };
}
