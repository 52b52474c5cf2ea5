/**
 * The broker's security, assembled once at start and shared by both listeners: the credential,
 * ACL and quota stores of the data directory, the authorizer over the ACLs, the counters, and
 * the hooks the connection core calls on every request (broker/server/hooks.ts).
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
import { ANONYMOUS_PRINCIPAL, PRINCIPAL_NAME_BYTES_MAX } from './principal.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { QuotaManager } from './quota-manager.js';
import { quotaThrottle } from './quota-throttle.js';
import { requestDenial } from './request-authorization.js';
import { newSecurityStats, type SecurityStats } from './security-stats.js';

/** APIs an unauthenticated connection may call under auth 'scram' (names of the API table, both listeners). */
export const PRE_AUTH_APIS: ReadonlySet<string> = new Set(['apiVersions', 'saslHandshake', 'saslAuthenticate']);

export class BrokerSecurity {
  readonly stats: SecurityStats = newSecurityStats();
  readonly authorizer: Authorizer;
  readonly hooks: ServerHooks;
  readonly quotaManager: QuotaManager;

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

  static async open(dataDir: string, config: SecurityConfig): Promise<BrokerSecurity> {
    const [credentials, acls, quotas] = await Promise.all([
      FileCredentialStore.open(dataDir), FileAclStore.open(dataDir), FileQuotaStore.open(dataDir),
    ]);
    return new BrokerSecurity(config, credentials, acls, quotas);
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
