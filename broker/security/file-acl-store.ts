/**
 * ACL bindings in `<dataDir>/acls.json` (mode 0600, rewritten atomically through SecurityFile):
 *
 *   { "version": 1, "acls": [ { "principal": "User:alice", "resourceType": "topic",
 *       "patternType": "literal", "resourceName": "orders", "operation": "read", "permission": "allow" } ] }
 *
 * Every binding is re-validated on load, so a hand-edited file with a typo stops the broker
 * instead of silently granting or denying something else.
 */
import { join } from 'node:path';
import { LimitExceededError } from '../../proto/errors.js';
import { aclKey, checkAclBinding, filterMatches, type AclBinding, type AclFilter } from './acl.js';
import { ACLS_MAX, type AclStore } from './acl-store.js';
import type { SecurityDocument } from './security-document.js';
import { SecurityFile } from './security-file.js';

export const ACLS_FILE = 'acls.json';
export const ACLS_FORMAT_VERSION = 1;
const FORMAT_VERSION = ACLS_FORMAT_VERSION;

export interface AclsDoc {
  acls: AclBinding[];
}

export class FileAclStore implements AclStore {
  private listeners: Array<(bindings: readonly AclBinding[]) => void> = [];

  /** `file`: the data dir's file here; an etcd key for EtcdAclStore. */
  protected constructor(private readonly file: SecurityDocument<AclsDoc>, private current: readonly AclBinding[]) {}

  static async open(dataDir: string): Promise<FileAclStore> {
    const file = new SecurityFile<AclsDoc>(join(dataDir, ACLS_FILE), FORMAT_VERSION, validateAclsDoc);
    const doc = await file.read();
    return new FileAclStore(file, doc?.acls ?? []);
  }

  /** The whole content as its document (seeds a cluster's etcd from a data dir). */
  document(): AclsDoc {
    return { acls: [...this.current] };
  }

  /** Takes a version written elsewhere (another broker, through etcd) as the current content; listeners hear of it. */
  protected adopt(doc: AclsDoc | null): void {
    this.swap(doc?.acls ?? []);
  }

  get path(): string {
    return this.file.path;
  }

  get bindings(): readonly AclBinding[] {
    return this.current;
  }

  list(filter: AclFilter): AclBinding[] {
    return this.current.filter((b) => filterMatches(filter, b));
  }

  onChange(listener: (bindings: readonly AclBinding[]) => void): void {
    this.listeners.push(listener);
  }

  add(bindings: readonly AclBinding[]): Promise<number> {
    const checked = bindings.map((b) => checkAclBinding(b));
    return this.file.update(() => {
      const seen = new Set(this.current.map(aclKey));
      const added: AclBinding[] = [];
      for (const b of checked) {
        const key = aclKey(b);
        if (seen.has(key)) continue;
        seen.add(key);
        added.push(b);
      }
      if (this.current.length + added.length > ACLS_MAX) throw new LimitExceededError(`more than ${ACLS_MAX} ACLs`);
      const next = [...this.current, ...added];
      return { doc: { acls: next }, commit: () => { this.swap(next); return added.length; } };
    });
  }

  remove(filters: readonly AclFilter[]): Promise<AclBinding[]> {
    return this.file.update(() => {
      const removed = this.current.filter((b) => filters.some((f) => filterMatches(f, b)));
      const next = this.current.filter((b) => !removed.includes(b));
      return { doc: { acls: next }, commit: () => { if (removed.length > 0) this.swap(next); return removed; } };
    });
  }

  private swap(next: readonly AclBinding[]): void {
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}

export function validateAclsDoc(doc: Record<string, unknown>): AclsDoc {
  if (!Array.isArray(doc.acls)) throw new Error('acls is not an array');
  return { acls: doc.acls.map((a, i) => {
    try {
      return checkAclBinding(a as Record<string, unknown>);
    } catch (err) {
      throw new Error(`acl #${i}: ${(err as Error).message}`);
    }
  }) };
}
