/**
 * Security administration: SCRAM users today (create, list, delete). Obtained from
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

  /** Deletes the user's credential for `mechanism`, or all; ResourceNotFoundError if there is none. */
  async deleteUser(name: string, mechanism?: ScramMechanism): Promise<void> {
    await this.deps.connection.request('deleteUser', { name, mechanism: mechanism ?? '' });
  }
}
