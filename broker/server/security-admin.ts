/**
 * What the security administration APIs (users today; ACLs and quotas next) share: the broker's
 * security must be there, and with authentication on the caller must hold the cluster
 * operation Kafka asks for the same change (ALTER to change users, ACLs and quotas, DESCRIBE to
 * list them), or be a super user. With `--auth none` nothing is checked: the broker then only
 * listens on loopback (security-config.ts), where whoever can connect could edit its files too.
 */
import { ClusterAuthorizationFailedError, UnsupportedVersionError } from '../../proto/errors.js';
import { CLUSTER_RESOURCE_NAME, type AclOperation } from '../security/acl.js';
import type { BrokerSecurity } from '../security/broker-security.js';
import type { RequestContext } from './request-context.js';

export function requireClusterOperation(ctx: RequestContext, operation: AclOperation, api: string): BrokerSecurity {
  const security = ctx.services.security;
  if (!security) throw new UnsupportedVersionError(`${api} is not available: this broker runs without its security stores`);
  if (security.enforcing && !security.authorizer.authorize(ctx.principal, operation, 'cluster', CLUSTER_RESOURCE_NAME)) {
    security.stats.authorizationsDenied++;
    throw new ClusterAuthorizationFailedError(`${ctx.principal} may not ${api}: it needs ${operation} on the cluster`);
  }
  return security;
}
