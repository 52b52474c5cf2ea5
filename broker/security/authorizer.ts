/**
 * Decides whether a principal may perform an operation on a resource, as Kafka's
 * StandardAuthorizer does with `allow.everyone.if.no.acl.found=false`:
 *
 *   1. a super user may do anything;
 *   2. a matching DENY for the operation (or for `all`) refuses, whatever allows it: deny wins;
 *   3. a matching ALLOW for the operation or one that implies it (acl.ts GRANTED_BY) grants;
 *   4. otherwise refused: with authentication on, what no ACL allows is denied.
 *
 * A binding matches when its principal is the one asking or `User:*`, and its pattern covers
 * the resource name (literal, `*`, or a prefix of it).
 *
 * Cost: the bindings are indexed per resource type (literal names in a map, wildcard and
 * prefixed ones in lists) and rebuilt on every store change; decisions are cached per
 * (principal, operation, resource) up to DECISION_CACHE_ENTRIES_MAX, dropped whole on change,
 * so the produce path pays one map lookup per topic.
 */
import { GRANTED_BY, WILDCARD_RESOURCE_NAME, patternMatches, type AclBinding, type AclOperation, type ResourceType } from './acl.js';
import type { AclStore } from './acl-store.js';
import { WILDCARD_PRINCIPAL } from './principal.js';

/** Cached decisions; past it the cache is cleared and refills (a bound, not an LRU: cheap and enough). */
export const DECISION_CACHE_ENTRIES_MAX = 50_000;

interface TypeIndex {
  readonly literal: Map<string, AclBinding[]>;
  readonly other: AclBinding[]; // wildcard and prefixed
}

export class Authorizer {
  private readonly superUsers: ReadonlySet<string>;
  private index = new Map<ResourceType, TypeIndex>();
  private readonly cache = new Map<string, boolean>();

  constructor(store: AclStore, superUsers: readonly string[]) {
    this.superUsers = new Set(superUsers);
    this.rebuild(store.bindings);
    store.onChange((bindings) => this.rebuild(bindings));
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  authorize(principal: string, operation: AclOperation, resourceType: ResourceType, resourceName: string): boolean {
    if (this.superUsers.has(principal)) return true;
    const key = `${principal}\u0000${operation}\u0000${resourceType}\u0000${resourceName}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const decision = this.decide(principal, operation, resourceType, resourceName);
    if (this.cache.size >= DECISION_CACHE_ENTRIES_MAX) this.cache.clear();
    this.cache.set(key, decision);
    return decision;
  }

  /**
   * Whether the principal may do `operation` on at least one resource of the type, whatever
   * its name (Kafka's authorizeByResourceType: an InitProducerId for idempotence is allowed to
   * anyone who may write to some topic). A deny on the `*` literal refuses; narrower denies
   * do not, since some other name may still be allowed.
   */
  authorizeAny(principal: string, operation: AclOperation, resourceType: ResourceType): boolean {
    if (this.superUsers.has(principal)) return true;
    const idx = this.index.get(resourceType);
    if (!idx) return false;
    const all = [...idx.literal.values()].flat().concat(idx.other);
    const applies = (b: AclBinding): boolean => b.principal === principal || b.principal === WILDCARD_PRINCIPAL;
    const denied = all.some((b) => applies(b) && b.permission === 'deny' && b.patternType === 'literal'
      && b.resourceName === WILDCARD_RESOURCE_NAME && (b.operation === operation || b.operation === 'all'));
    if (denied) return false;
    const granting = GRANTED_BY[operation];
    return all.some((b) => applies(b) && b.permission === 'allow' && granting.includes(b.operation));
  }

  private decide(principal: string, operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    const idx = this.index.get(resourceType);
    if (!idx) return false;
    const candidates = (idx.literal.get(name) ?? []).concat(idx.other.filter((b) => patternMatches(b, name)));
    const granting = GRANTED_BY[operation];
    let allowed = false;
    for (const b of candidates) {
      if (b.principal !== principal && b.principal !== WILDCARD_PRINCIPAL) continue;
      if (b.permission === 'deny') {
        if (b.operation === operation || b.operation === 'all') return false;
      } else if (granting.includes(b.operation)) {
        allowed = true;
      }
    }
    return allowed;
  }

  private rebuild(bindings: readonly AclBinding[]): void {
    const index = new Map<ResourceType, TypeIndex>();
    for (const b of bindings) {
      let idx = index.get(b.resourceType);
      if (!idx) index.set(b.resourceType, idx = { literal: new Map(), other: [] });
      if (b.patternType === 'literal' && b.resourceName !== WILDCARD_RESOURCE_NAME) {
        const list = idx.literal.get(b.resourceName);
        if (list) list.push(b);
        else idx.literal.set(b.resourceName, [b]);
      } else {
        idx.other.push(b);
      }
    }
    this.index = index;
    this.cache.clear();
  }
}
