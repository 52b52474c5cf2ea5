/**
 * Security administration: SCRAM users (create, list, delete) and ACLs (create, describe, delete). Obtained from
 * `strata.securityAdmin()`; shares the admin connection. The credential is derived here, from
 * the password, with a fresh random salt (WebCrypto PBKDF2): only the salt, the iteration count,
 * StoredKey and ServerKey are sent, never the password.
 *
 * With authentication on, the caller needs ALTER on the cluster to create or delete users and
 * DESCRIBE to list them (or to be a super user); otherwise ClusterAuthorizationFailedError.
 */
import { InvalidConfigError } from '../proto/errors.js';
import {
  SCRAM_ITERATIONS_DEFAULT, SCRAM_SALT_BYTES, isScramMechanism, type ScramMechanism,
} from '../proto/sasl/scram-mechanisms.js';
import type { Connection } from './connection.js';
import { retry, type RetryPolicy } from './retry.js';
import { scramSecretFromPassword } from './sasl/scram-crypto.js';

/** Options of {@link SecurityAdmin.createUser}. */
export interface CreateUserOptions {
  /** @default 'SCRAM-SHA-512' */
  mechanism?: ScramMechanism;
  /** PBKDF2 iterations; the broker accepts 4096 and up. @default 4096 */
  iterations?: number;
  /** Replace the user's credential for this mechanism if there is one (a password change). @default false */
  replaceExisting?: boolean;
}

/** A user as listed: its mechanisms and iteration counts, never keys. */
export interface UserDescription {
  name: string;
  credentials: Array<{ mechanism: ScramMechanism; iterations: number }>;
}

/**
 * An ACL binding (Kafka's model): `principal` may (`allow`) or may not (`deny`) do `operation`
 * on resources of `resourceType` whose names match (`literal` name, `*`, or `prefixed`).
 */
export interface AclEntry {
  /** `User:alice`, or `*` for everyone. */
  principal: string;
  resourceType: 'topic' | 'group' | 'cluster';
  /** @default 'literal' */
  patternType?: 'literal' | 'prefixed';
  /** A name, a prefix, or `*`; `kafka-cluster` for the cluster. */
  resourceName: string;
  operation: 'all' | 'read' | 'write' | 'create' | 'delete' | 'describe' | 'alter' | 'describe-configs' | 'alter-configs' | 'idempotent-write';
  permission: 'allow' | 'deny';
}

/** Selects ACLs: fields left out match anything; patternType 'match' finds every binding applying to resourceName. */
export type AclFilter = Partial<Omit<AclEntry, 'patternType'>> & { patternType?: 'literal' | 'prefixed' | 'any' | 'match' };

type WireAcl = { principal?: string | null; resourceType?: string | null; patternType?: string | null; resourceName?: string | null;
  operation?: string | null; permission?: string | null };

function aclToWire(a: AclFilter): WireAcl {
  return {
    principal: a.principal ?? '', resourceType: a.resourceType ?? '', patternType: a.patternType ?? '', resourceName: a.resourceName ?? '',
    operation: a.operation ?? '', permission: a.permission ?? '',
  };
}

function aclFromWire(a: WireAcl): AclEntry {
  return {
    principal: a.principal ?? '', resourceType: (a.resourceType ?? 'topic') as AclEntry['resourceType'],
    patternType: (a.patternType ?? 'literal') as 'literal' | 'prefixed', resourceName: a.resourceName ?? '',
    operation: (a.operation ?? '') as AclEntry['operation'], permission: (a.permission ?? 'allow') as AclEntry['permission'],
  };
}

/** A quota entity: a user, a client id, or both; `<default>` for every one. */
export interface QuotaEntitySpec {
  user?: string;
  clientId?: string;
}

export type QuotaKeyName = 'producerByteRate' | 'consumerByteRate' | 'requestRate';

export const USER_MECHANISM_DEFAULT: ScramMechanism = 'SCRAM-SHA-512';

export class SecurityAdmin {
  constructor(private readonly deps: { connection: Connection; retry: RetryPolicy }) {}

  /** Creates a user; DuplicateResourceError if it already has this mechanism (unless replaceExisting). */
  async createUser(name: string, password: string, options: CreateUserOptions = {}): Promise<void> {
    const mechanism = options.mechanism ?? USER_MECHANISM_DEFAULT;
    if (!isScramMechanism(mechanism)) throw new InvalidConfigError(`mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, got ${String(mechanism)}`);
    if (typeof password !== 'string' || password.length === 0) throw new InvalidConfigError('password must not be empty');
    const secret = await scramSecretFromPassword(mechanism, password, options.iterations ?? SCRAM_ITERATIONS_DEFAULT, SCRAM_SALT_BYTES);
    // Not retried: a create that reached the broker before a lost answer would fail the retry as a duplicate.
    await this.deps.connection.request('createUser', {
      name,
      credential: { mechanism, salt: secret.salt, iterations: secret.iterations, storedKey: secret.storedKey, serverKey: secret.serverKey },
      replaceExisting: options.replaceExisting ?? false,
    });
  }

  async listUsers(): Promise<UserDescription[]> {
    const res = await retry(() => this.deps.connection.request('listUsers', {}), this.deps.retry, { stopped: () => this.deps.connection.isClosed });
    return (res.users ?? []).map((u) => ({
      name: u.name ?? '',
      credentials: (u.credentials ?? []).map((c) => ({ mechanism: c.mechanism as ScramMechanism, iterations: c.iterations ?? 0 })),
    }));
  }

  /** Adds ACL bindings (durable when this resolves); resolves with how many were new. */
  async createAcls(acls: readonly AclEntry[]): Promise<number> {
    const res = await this.deps.connection.request('createAcls', { acls: acls.map((a) => aclToWire({ patternType: 'literal', ...a })) });
    return res.created ?? 0;
  }

  async describeAcls(filter: AclFilter = {}): Promise<AclEntry[]> {
    const res = await retry(() => this.deps.connection.request('describeAcls', { filter: aclToWire(filter) }), this.deps.retry,
      { stopped: () => this.deps.connection.isClosed });
    return (res.acls ?? []).map(aclFromWire);
  }

  /** Removes every binding any filter matches; resolves with what was removed. */
  async deleteAcls(filters: readonly AclFilter[]): Promise<AclEntry[]> {
    const res = await this.deps.connection.request('deleteAcls', { filters: filters.map(aclToWire) });
    return (res.deleted ?? []).map(aclFromWire);
  }

  /**
   * Sets (and with `remove`, clears) client quotas of an entity: `{ user }`, `{ clientId }` or both,
   * each a name or `<default>`. Rates: producerByteRate and consumerByteRate in bytes/s,
   * requestRate in requests/s. Clients over a quota have their answers delayed (never refused).
   */
  async alterQuotas(entity: QuotaEntitySpec, set: Partial<Record<QuotaKeyName, number>>, remove: readonly QuotaKeyName[] = []): Promise<void> {
    await this.deps.connection.request('alterQuotas', {
      entity: { user: entity.user ?? '', clientId: entity.clientId ?? '' },
      set: Object.entries(set).map(([key, value]) => ({ key, value })),
      remove: [...remove],
    });
  }

  async describeQuotas(): Promise<Array<{ entity: QuotaEntitySpec; values: Partial<Record<QuotaKeyName, number>> }>> {
    const res = await retry(() => this.deps.connection.request('describeQuotas', {}), this.deps.retry, { stopped: () => this.deps.connection.isClosed });
    return (res.entries ?? []).map((e) => ({
      entity: { ...(e.entity?.user ? { user: e.entity.user } : {}), ...(e.entity?.clientId ? { clientId: e.entity.clientId } : {}) },
      values: Object.fromEntries((e.values ?? []).map((v) => [v.key ?? '', v.value ?? 0])),
    }));
  }

  /** Deletes the user's credential for `mechanism`, or all; ResourceNotFoundError if there is none. */
  async deleteUser(name: string, mechanism?: ScramMechanism): Promise<void> {
    await this.deps.connection.request('deleteUser', { name, mechanism: mechanism ?? '' });
  }
}
