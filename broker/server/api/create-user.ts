/**
 * CreateUser: stores a SCRAM credential the client derived from the password (Kafka's
 * AlterUserScramCredentials upsertion, with StoredKey/ServerKey instead of the salted
 * password, so the broker never sees anything a password guess could be checked against
 * without PBKDF2). Durable when answered.
 */
import type { ScramMechanism } from '../../../proto/sasl/scram-mechanisms.js';
import { checkUsername } from '../../security/principal.js';
import { checkScramCredential, type ScramCredential } from '../../security/scram-credential.js';
import type { RequestContext } from '../request-context.js';
import { requireClusterOperation } from '../security-admin.js';

export interface CreateUserCommand {
  readonly name: string;
  readonly credential: {
    readonly mechanism: string;
    readonly salt: Uint8Array;
    readonly iterations: number;
    readonly storedKey: Uint8Array;
    readonly serverKey: Uint8Array;
  };
  readonly replaceExisting: boolean;
}

export type CreateUserResult = Readonly<Record<string, never>>;

export async function handleCreateUser(ctx: RequestContext, cmd: CreateUserCommand): Promise<CreateUserResult> {
  const security = requireClusterOperation(ctx, 'alter', 'createUser');
  const name = checkUsername(cmd.name);
  const credential: ScramCredential = { ...cmd.credential, mechanism: cmd.credential.mechanism as ScramMechanism };
  checkScramCredential(credential);
  await security.credentials.put(name, credential, cmd.replaceExisting ? 'upsert' : 'create');
  ctx.logger.info({ user: name, mechanism: credential.mechanism, by: ctx.principal }, 'user credential stored');
  return {};
}
