/** ListUsers: every user with its mechanisms and iteration counts, sorted by name; never keys or salts. */
import type { UserListing } from '../../security/credential-store.js';
import type { RequestContext } from '../request-context.js';
import { requireClusterOperation } from '../security-admin.js';

export type ListUsersCommand = Readonly<Record<string, never>>;

export interface ListUsersResult {
  readonly users: UserListing[];
}

export async function handleListUsers(ctx: RequestContext, _cmd: ListUsersCommand): Promise<ListUsersResult> {
  return { users: requireClusterOperation(ctx, 'describe', 'listUsers').credentials.list() };
}
