/**
 * Where ACL bindings live. Reads are a synchronous snapshot (the authorizer indexes it);
 * changes resolve once durable and then notify listeners with the new snapshot. A file in the
 * data directory today (file-acl-store.ts); etcd behind the same interface in a cluster.
 */
import type { AclBinding, AclFilter } from './acl.js';

/** ACL bindings one broker keeps; more is refused (LimitExceededError). Each costs ~200 bytes. */
export const ACLS_MAX = 100_000;

export interface AclStore {
  /** Every binding, in the order added. */
  readonly bindings: readonly AclBinding[];
  list(filter: AclFilter): AclBinding[];
  /** Adds bindings; ones already present are kept once. Resolves with how many were new. */
  add(bindings: readonly AclBinding[]): Promise<number>;
  /** Removes every binding any filter matches; resolves with what was removed. */
  remove(filters: readonly AclFilter[]): Promise<AclBinding[]>;
  /** Called with the new snapshot after every durable change. */
  onChange(listener: (bindings: readonly AclBinding[]) => void): void;
}
