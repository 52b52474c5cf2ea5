/**
 * The broker's security, assembled once at start and shared by both listeners: the credential,
 * ACL and quota stores of the data directory, the authorizer over the ACLs, the counters, and
 * the hooks the connection core calls on every request (broker/server/hooks.ts).
 *
 * In a cluster the three stores live in etcd instead (etcd-*-store.ts), watched, so a user, ACL
 * or quota changed through one broker applies on all.
 *
 * The stores are opened whatever the auth mode, so users, ACLs and quotas can be prepared on a
 * broker that does not enforce them yet; only `auth: 'scram'` makes them bite. Under it, a
 * connection is User:ANONYMOUS until it completes a SASL exchange, and an anonymous
 * connection may send only what a login needs (PRE_AUTH_APIS); anything else is refused with
 * IllegalSaslStateError, the error Kafka's SASL listeners report for it. A logged-in
 * connection's requests are then checked against the ACLs (request-authorization.ts).
 *
 * Mutual TLS with auth 'none': the client certificate authenticates the connection, which
 * starts as `User:<subject DN>` (tls-principal.ts) and is checked against the ACLs the same
 * way; no SASL is offered. With auth 'scram' the certificate only admits the connection and the
 * SASL login names the principal (Kafka's SASL_SSL).
 */
import { IllegalSaslStateError } from '../../proto/errors.js';
import type { SecurityConfig } from './security-config.js';
import type { RequestContext } from '../server/request-context.js';
import type { ServerHooks, SecurityHook } from '../server/hooks.js';
import { NO_OBSERVER } from '../server/hooks.js';
import { Authorizer } from './authorizer.js';
import { FileAclStore } from './file-acl-store.js';
import { FileCredentialStore } from './file-credential-store.js';
import { FileQuotaStore } from './file-quota-store.js';
import { EtcdAclStore } from './etcd-acl-store.js';
import { EtcdCredentialStore } from './etcd-credential-store.js';
import { EtcdQuotaStore } from './etcd-quota-store.js';
import type { ClusterKeys } from '../cluster/cluster-keys.js';
import type { EtcdClient } from '../cluster/etcd-client.js';
import type { Logger } from '../logger.js';
import { ANONYMOUS_PRINCIPAL, PRINCIPAL_NAME_BYTES_MAX } from './principal.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { QuotaManager } from './quota-manager.js';
import { quotaThrottle } from './quota-throttle.js';
import { requestDenial } from './request-authorization.js';
import { newSecurityStats, type SecurityStats } from './security-stats.js';

/** APIs an unauthenticated connection may call under auth 'scram' (names of the API table, both listeners). */
export const PRE_AUTH_APIS: ReadonlySet<string> = new Set(['apiVersions', 'saslHandshake', 'saslAuthenticate']);

/** A cluster's etcd, for the security stores (cluster mode). */
export interface SecurityEtcd {
  readonly client: EtcdClient;
  readonly keys: ClusterKeys;
  readonly logger: Logger;
}

export class BrokerSecurity {
  readonly stats: SecurityStats = newSecurityStats();
  readonly authorizer: Authorizer;
  readonly hooks: ServerHooks;
  readonly quotaManager: QuotaManager;
  private readonly closers: Array<{ close(): Promise<void> }> = [];

  private constructor(
    readonly config: SecurityConfig,
    readonly credentials: FileCredentialStore,
    readonly acls: FileAclStore,
    readonly quotas: FileQuotaStore,
  ) {
    this.authorizer = new Authorizer(acls, config.superUsers);
    const security: SecurityHook = {
      connectionPrincipal: (info) => (config.auth === 'none' && config.mutualTls && info.certificatePrincipal
        ? info.certificatePrincipal : ANONYMOUS_PRINCIPAL),
      authorize: (ctx, api, command) => this.checkRequest(ctx, api, command),
    };
    this.quotaManager = new QuotaManager(quotas);
    this.hooks = Object.freeze({ security, throttle: quotaThrottle(this.quotaManager, this.stats), observer: NO_OBSERVER });
  }

  /**
   * The stores of the data dir; in a cluster (`etcd` given) the cluster's, in etcd, watched, each
   * created from this data dir's file on the cluster's first start.
   */
  static async open(dataDir: string, config: SecurityConfig, etcd?: SecurityEtcd): Promise<BrokerSecurity> {
    const [credentials, acls, quotas] = await Promise.all([
      FileCredentialStore.open(dataDir), FileAclStore.open(dataDir), FileQuotaStore.open(dataDir),
    ]);
    if (!etcd) return new BrokerSecurity(config, credentials, acls, quotas);
    const { client, keys, logger } = etcd;
    const opened: Array<{ close(): Promise<void> }> = [];
    try {
      const c = await EtcdCredentialStore.openEtcd(client, keys.securityDocument('credentials'), credentials, logger);
      opened.push(c);
      const a = await EtcdAclStore.openEtcd(client, keys.securityDocument('acls'), acls, logger);
      opened.push(a);
      const q = await EtcdQuotaStore.openEtcd(client, keys.securityDocument('quotas'), quotas, logger);
      opened.push(q);
      const security = new BrokerSecurity(config, c, a, q);
      security.closers.push(...opened);
      return security;
    } catch (err) {
      await Promise.all(opened.map((o) => o.close()));
      throw err;
    }
  }

  /** Where the stores live: the data dir, or etcd in a cluster. */
  get storedIn(): 'data-dir' | 'etcd' {
    return this.closers.length > 0 ? 'etcd' : 'data-dir';
  }

  /** Stops watching etcd (cluster); nothing to do for the data dir's files. */
  async close(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((c) => c.close()));
  }

  /** Whether connections must authenticate (SASL login or client certificate) and ACLs are enforced. */
  get enforcing(): boolean {
    return this.config.auth === 'scram' || this.config.mutualTls;
  }

  /** Whether connections log in with SASL (auth 'scram'); under mutual TLS alone the certificate does. */
  get saslEnabled(): boolean {
    return this.config.auth === 'scram';
  }

  /** A fresh login state machine for one connection. */
  newAuthenticator(tls: boolean): SaslAuthenticator {
    return new SaslAuthenticator({ credentials: this.credentials, tls, stats: this.stats });
  }

  /** Whether the connection has logged in (always true without authentication). */
  isAuthenticated(ctx: Pick<RequestContext, 'principal'>): boolean {
    return !this.enforcing || ctx.principal !== ANONYMOUS_PRINCIPAL;
  }

  private checkRequest(ctx: RequestContext, api: string, command: unknown): void {
    if (!this.enforcing) return;
    if (!this.isAuthenticated(ctx)) {
      if (PRE_AUTH_APIS.has(api)) return;
      this.stats.authorizationsDenied++;
      throw new IllegalSaslStateError(this.saslEnabled
        ? `authenticate first: this broker requires a SASL login (SCRAM-SHA-256 or SCRAM-SHA-512) before ${api}`
        : `this connection's client certificate names no usable principal (subject DN missing or over ${PRINCIPAL_NAME_BYTES_MAX} bytes): ${api} refused`);
    }
    const denial = requestDenial(this.authorizer, ctx, api, command);
    if (denial) {
      this.stats.authorizationsDenied++;
      throw denial;
    }
  }
}
