/**
 * DeleteUser: removes a user's credential for one mechanism, or all of them; ResourceNotFoundError
 * when there is none. Connections already logged in as the user keep running (as in Kafka: a
 * credential is checked at login); its ACLs stay until removed.
 */
import { InvalidRequestError } from '../../../proto/errors.js';
import { isScramMechanism } from '../../../proto/sasl/scram-mechanisms.js';
import type { RequestContext } from '../request-context.js';
import { requireClusterOperation } from '../security-admin.js';

export interface DeleteUserCommand {
  readonly name: string;
  /** '' for every mechanism. */
  readonly mechanism: string;
}

export type DeleteUserResult = Readonly<Record<string, never>>;

export async function handleDeleteUser(ctx: RequestContext, cmd: DeleteUserCommand): Promise<DeleteUserResult> {
  const security = requireClusterOperation(ctx, 'alter', 'deleteUser');
  if (cmd.mechanism !== '' && !isScramMechanism(cmd.mechanism)) throw new InvalidRequestError(`unknown SCRAM mechanism ${cmd.mechanism}`);
  await security.credentials.delete(cmd.name, cmd.mechanism === '' ? undefined : cmd.mechanism);
  ctx.logger.info({ user: cmd.name, mechanism: cmd.mechanism || 'all', by: ctx.principal }, 'user credential deleted');
  return {};
}
