/**
 * CreateAcls, DescribeAcls, DeleteAcls: the ACL bindings of broker/security/acl.ts, checked and
 * stored durably (acls.json) before the answer; the authorizer sees a change at once. Changing
 * needs ALTER on the cluster, listing DESCRIBE (or a super user), as Kafka's ACL APIs do. One
 * file for the three: they share the binding's shape and nothing else lives here.
 */
import { checkAclBinding, checkAclFilter, type AclBinding } from '../../security/acl.js';
import type { RequestContext } from '../request-context.js';
import { requireClusterOperation } from '../security-admin.js';

/** A binding or a filter as text fields; '' means "any" in a filter. */
export type AclFields = Readonly<Record<keyof AclBinding, string>>;

export interface CreateAclsCommand {
  readonly acls: readonly AclFields[];
}
export interface CreateAclsResult {
  readonly created: number;
}

export interface DescribeAclsCommand {
  readonly filter: AclFields;
}
export interface DescribeAclsResult {
  readonly acls: AclBinding[];
}

export interface DeleteAclsCommand {
  readonly filters: readonly AclFields[];
}
export interface DeleteAclsResult {
  readonly deleted: AclBinding[];
}

export async function handleCreateAcls(ctx: RequestContext, cmd: CreateAclsCommand): Promise<CreateAclsResult> {
  const security = requireClusterOperation(ctx, 'alter', 'createAcls');
  const created = await security.acls.add(cmd.acls.map((a) => checkAclBinding(a)));
  ctx.logger.info({ acls: cmd.acls.length, created, by: ctx.principal }, 'ACLs added');
  return { created };
}

export async function handleDescribeAcls(ctx: RequestContext, cmd: DescribeAclsCommand): Promise<DescribeAclsResult> {
  const security = requireClusterOperation(ctx, 'describe', 'describeAcls');
  return { acls: security.acls.list(checkAclFilter(cmd.filter)) };
}

export async function handleDeleteAcls(ctx: RequestContext, cmd: DeleteAclsCommand): Promise<DeleteAclsResult> {
  const security = requireClusterOperation(ctx, 'alter', 'deleteAcls');
  const deleted = await security.acls.remove(cmd.filters.map((f) => checkAclFilter(f)));
  ctx.logger.info({ deleted: deleted.length, by: ctx.principal }, 'ACLs removed');
  return { deleted };
}
