import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRequestError, StorageError } from '../../../proto/errors.js';
import {
  ACL_OPERATIONS, checkAclBinding, checkAclFilter, type AclBinding, type AclOperation, type ResourceType,
} from '../../../broker/security/acl.js';
import { Authorizer } from '../../../broker/security/authorizer.js';
import { ACLS_FILE, FileAclStore } from '../../../broker/security/file-acl-store.js';

const acl = (b: Partial<AclBinding> & Pick<AclBinding, 'principal' | 'operation' | 'resourceName'>): AclBinding =>
  checkAclBinding({ resourceType: 'topic', patternType: 'literal', permission: 'allow', ...b });

/** The rules as the issue states them, evaluated by brute force over every binding. */
function oracle(bindings: readonly AclBinding[], superUsers: string[], principal: string, op: AclOperation, type: ResourceType, name: string): boolean {
  if (superUsers.includes(principal)) return true;
  const implies: Record<string, string[]> = {
    describe: ['read', 'write', 'delete', 'alter'], 'describe-configs': ['alter-configs'],
  };
  const applies = bindings.filter((b) => b.resourceType === type
    && (b.principal === principal || b.principal === 'User:*')
    && (b.patternType === 'prefixed' ? name.startsWith(b.resourceName) : b.resourceName === '*' || b.resourceName === name));
  if (applies.some((b) => b.permission === 'deny' && (b.operation === op || b.operation === 'all'))) return false;
  return applies.some((b) => b.permission === 'allow' && (b.operation === op || b.operation === 'all' || (implies[op] ?? []).includes(b.operation)));
}

describe('Authorizer', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-acl-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('denies what no ACL allows, lets super users through, and deny wins over allow', async () => {
    const store = await FileAclStore.open(dir);
    const authz = new Authorizer(store, ['User:admin']);
    expect(authz.authorize('User:alice', 'read', 'topic', 'orders')).toBe(false);
    expect(authz.authorize('User:admin', 'delete', 'cluster', 'kafka-cluster')).toBe(true);
    await store.add([acl({ principal: 'User:alice', operation: 'read', resourceName: 'orders' })]);
    expect(authz.authorize('User:alice', 'read', 'topic', 'orders')).toBe(true);
    expect(authz.authorize('User:alice', 'write', 'topic', 'orders')).toBe(false);
    expect(authz.authorize('User:bob', 'read', 'topic', 'orders')).toBe(false);
    await store.add([acl({ principal: '*', operation: 'all', resourceName: 'orders', permission: 'deny' })]);
    expect(authz.authorize('User:alice', 'read', 'topic', 'orders')).toBe(false); // cached allow was dropped
    expect(authz.authorize('User:admin', 'read', 'topic', 'orders')).toBe(true);
  });

  it('prefixed and wildcard patterns, and implied describe', async () => {
    const store = await FileAclStore.open(dir);
    const authz = new Authorizer(store, []);
    await store.add([
      acl({ principal: 'User:alice', operation: 'write', resourceName: 'orders-', patternType: 'prefixed' }),
      acl({ principal: 'User:bob', operation: 'describe', resourceName: '*' }),
      acl({ principal: 'User:carol', operation: 'read', resourceName: 'g', resourceType: 'group' }),
      acl({ principal: 'User:alice', operation: 'read', resourceName: 'orders-eu', permission: 'deny' }),
    ]);
    expect(authz.authorize('User:alice', 'write', 'topic', 'orders-eu')).toBe(true);
    expect(authz.authorize('User:alice', 'write', 'topic', 'order')).toBe(false);
    expect(authz.authorize('User:alice', 'describe', 'topic', 'orders-us')).toBe(true); // write implies describe
    expect(authz.authorize('User:alice', 'describe', 'topic', 'orders-eu')).toBe(true); // a read deny does not deny describe
    expect(authz.authorize('User:bob', 'describe', 'topic', 'anything')).toBe(true);
    expect(authz.authorize('User:bob', 'read', 'topic', 'anything')).toBe(false);
    expect(authz.authorize('User:carol', 'read', 'group', 'g')).toBe(true);
    expect(authz.authorize('User:carol', 'read', 'topic', 'g')).toBe(false); // resource types are apart
    expect(authz.authorizeAny('User:alice', 'write', 'topic')).toBe(true);
    expect(authz.authorizeAny('User:carol', 'write', 'topic')).toBe(false);
  });

  it('agrees with the rules evaluated by brute force, over random ACL sets', async () => {
    const principals = ['User:a', 'User:b', '*'];
    const names = ['t', 'to', 'top', 'x', '*'];
    const bindingArb = fc.record({
      principal: fc.constantFrom(...principals),
      resourceType: fc.constantFrom('topic', 'group'),
      patternType: fc.constantFrom('literal', 'prefixed'),
      resourceName: fc.constantFrom(...names),
      operation: fc.constantFrom('all', 'read', 'write', 'delete', 'describe', 'alter'),
      permission: fc.constantFrom('allow', 'deny'),
    }).filter((b) => !(b.patternType === 'prefixed' && b.resourceName === '*')
      && !(b.resourceType === 'group' && ['write', 'alter'].includes(b.operation)));
    let round = 0;
    await fc.assert(fc.asyncProperty(fc.array(bindingArb, { maxLength: 12 }), async (raw) => {
      const sub = join(dir, String(round++));
      await mkdir(sub);
      const store = await FileAclStore.open(sub);
      const bindings = raw.map((b) => checkAclBinding(b));
      await store.add(bindings);
      const authz = new Authorizer(store, ['User:su']);
      for (const principal of ['User:a', 'User:b', 'User:c', 'User:su']) {
        for (const type of ['topic', 'group'] as const) {
          for (const name of ['t', 'top', 'topic', 'x', 'y']) {
            for (const op of ['read', 'write', 'describe', 'delete'] as const) {
              const want = oracle(store.bindings, ['User:su'], principal, op, type, name);
              if (authz.authorize(principal, op, type, name) !== want) return false;
              if (authz.authorize(principal, op, type, name) !== want) return false; // cached
            }
          }
        }
      }
      return true;
    }), { numRuns: 60 });
  });
});

describe('ACL bindings and filters', () => {
  it('refuses malformed bindings with InvalidRequestError', () => {
    const base = { principal: 'User:a', resourceType: 'topic', patternType: 'literal', resourceName: 't', operation: 'read', permission: 'allow' };
    for (const bad of [
      { principal: 'alice' }, { principal: 'Group:x' }, { principal: 'User:' }, { resourceType: 'queue' },
      { operation: 'fly' }, { permission: 'maybe' }, { resourceName: '' }, { patternType: 'regex' },
      { resourceType: 'cluster', operation: 'read', resourceName: 'kafka-cluster' },
      { resourceType: 'cluster', operation: 'alter', resourceName: 'other' },
      { resourceType: 'group', operation: 'write' },
      { patternType: 'prefixed', resourceName: '*' },
    ]) {
      expect(() => checkAclBinding({ ...base, ...bad }), JSON.stringify(bad)).toThrow(InvalidRequestError);
    }
    expect(checkAclBinding({ ...base, principal: '*' }).principal).toBe('User:*');
    expect(ACL_OPERATIONS).toContain('describe-configs');
  });

  it('lists and removes by filter, including Kafka\'s match', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-acl-'));
    try {
      const store = await FileAclStore.open(dir);
      expect(await store.add([
        acl({ principal: 'User:a', operation: 'read', resourceName: 'orders' }),
        acl({ principal: 'User:a', operation: 'read', resourceName: 'orders' }), // a duplicate
        acl({ principal: 'User:b', operation: 'write', resourceName: 'ord', patternType: 'prefixed' }),
        acl({ principal: 'User:b', operation: 'describe', resourceName: '*' }),
        acl({ principal: 'User:c', operation: 'read', resourceName: 'other' }),
      ])).toBe(4);
      expect(store.list(checkAclFilter({ patternType: 'match', resourceName: 'orders' })).map((b) => b.principal)).toEqual(['User:a', 'User:b', 'User:b']);
      expect(store.list(checkAclFilter({ principal: 'User:b' }))).toHaveLength(2);
      expect(store.list(checkAclFilter({ resourceName: 'ord', patternType: 'literal' }))).toHaveLength(0);
      const removed = await store.remove([checkAclFilter({ principal: 'User:b' })]);
      expect(removed).toHaveLength(2);
      const again = await FileAclStore.open(dir);
      expect(again.bindings.map((b) => b.principal)).toEqual(['User:a', 'User:c']);
      await writeFile(join(dir, ACLS_FILE), JSON.stringify({ version: 1, acls: [{ ...again.bindings[0], operation: 'raed' }] }));
      await expect(FileAclStore.open(dir)).rejects.toThrow(StorageError);
      expect(() => checkAclFilter({ patternType: 'match' })).toThrow(InvalidRequestError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
