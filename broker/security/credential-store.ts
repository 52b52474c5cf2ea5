/**
 * Where SCRAM credentials live. The broker reads them on every login, synchronously, from a
 * snapshot in memory; changes go through async calls that return once the change is durable.
 * One implementation today, a file in the data directory (file-credential-store.ts); a
 * cluster keeps them in etcd behind this same interface (kept in memory by a watch), as Kafka
 * keeps them in ZooKeeper or the metadata log.
 */
import type { ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import type { ScramCredential } from './scram-credential.js';

export interface UserCredentialInfo {
  readonly mechanism: ScramMechanism;
  readonly iterations: number;
}

export interface UserListing {
  readonly name: string;
  readonly credentials: readonly UserCredentialInfo[];
}

/** create: fail with DuplicateResourceError if the user has this mechanism already; replace: fail with ResourceNotFoundError if not; upsert: either. */
export type CredentialWriteMode = 'create' | 'replace' | 'upsert';

export interface CredentialStore {
  /** The user's credential for `mechanism`, or undefined. Synchronous: the login path. */
  lookup(username: string, mechanism: ScramMechanism): ScramCredential | undefined;
  /** A stand-in for a user that does not exist (stable salt per name: fake-credentials.ts). */
  fakeCredential(username: string, mechanism: ScramMechanism): ScramCredential;
  /** Every user, sorted by name, with mechanisms and iteration counts (never keys). */
  list(): UserListing[];
  readonly size: number;
  /** Stores a credential (its mechanism inside); resolves once durable. */
  put(username: string, credential: ScramCredential, mode: CredentialWriteMode): Promise<void>;
  /** Deletes the user's credential for one mechanism, or all; ResourceNotFoundError if there is none. */
  delete(username: string, mechanism?: ScramMechanism): Promise<void>;
}
