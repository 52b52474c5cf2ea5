/**
 * Where client quotas live: a synchronous snapshot keyed by entity (quota.ts entityKey) for
 * the request path, durable async changes, listeners on change. A file in the data directory
 * today (file-quota-store.ts); etcd behind the same interface in a cluster.
 */
import type { QuotaEntity, QuotaEntry, QuotaValues } from './quota.js';

/** Quota entities one broker keeps; more is refused (LimitExceededError). */
export const QUOTA_ENTITIES_MAX = 100_000;

export interface QuotaStore {
  /** entityKey → values, for resolveQuota. */
  readonly byEntity: ReadonlyMap<string, QuotaValues>;
  list(): QuotaEntry[];
  /**
   * Sets the given rates of an entity and removes those in `remove`; an entity left with no
   * rate is deleted. Resolves once durable.
   */
  alter(entity: QuotaEntity, set: QuotaValues, remove: readonly string[]): Promise<void>;
  onChange(listener: () => void): void;
}
