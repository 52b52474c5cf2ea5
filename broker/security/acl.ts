/**
 * The ACL model, Kafka's: a binding says that a principal (`User:alice`, or `User:*` for
 * everyone) is allowed or denied one operation on resources of one type whose names match a
 * pattern (a literal name, `*` for every name, or a prefix).
 *
 *   { principal: 'User:alice', resourceType: 'topic', patternType: 'prefixed', resourceName: 'orders-',
 *     operation: 'write', permission: 'allow' }
 *
 * Operations and what they imply, as in Kafka: read, write, delete and alter imply describe;
 * alter-configs implies describe-configs; all is every operation. Which operations make sense
 * per resource type is checked (read on the cluster is refused, as Kafka refuses it). The
 * cluster resource has one name, `kafka-cluster`, as in Kafka, so Kafka tools' ACLs carry over.
 *
 * Host restrictions (Kafka's `host` field) are not modelled: every binding applies from any host.
 */
import { InvalidRequestError } from '../../proto/errors.js';
import { parsePrincipal } from './principal.js';

export const RESOURCE_TYPES = ['topic', 'group', 'cluster'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PATTERN_TYPES = ['literal', 'prefixed'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const ACL_OPERATIONS = [
  'all', 'read', 'write', 'create', 'delete', 'describe', 'alter', 'describe-configs', 'alter-configs', 'idempotent-write',
] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];

export const ACL_PERMISSIONS = ['allow', 'deny'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
export const WILDCARD_RESOURCE_NAME = '*';

/** Longest resource name in an ACL: a topic name's 249 characters with room for group ids. */
export const ACL_RESOURCE_NAME_CHARS_MAX = 1_024;

export interface AclBinding {
  readonly principal: string;
  readonly resourceType: ResourceType;
  readonly patternType: PatternType;
  readonly resourceName: string;
  readonly operation: AclOperation;
  readonly permission: AclPermission;
}

/** Operations each resource type accepts (Kafka's AclEntry.supportedOperations). */
const OPERATIONS_BY_TYPE: Readonly<Record<ResourceType, ReadonlySet<AclOperation>>> = {
  topic: new Set(['all', 'read', 'write', 'create', 'delete', 'describe', 'alter', 'describe-configs', 'alter-configs']),
  group: new Set(['all', 'read', 'describe', 'delete']),
  cluster: new Set(['all', 'create', 'describe', 'alter', 'describe-configs', 'alter-configs', 'idempotent-write']),
};

/** For an operation asked for, the operations whose allow grants it (Kafka's implied operations). */
export const GRANTED_BY: Readonly<Record<AclOperation, readonly AclOperation[]>> = {
  all: ['all'],
  read: ['read', 'all'],
  write: ['write', 'all'],
  create: ['create', 'all'],
  delete: ['delete', 'all'],
  describe: ['describe', 'read', 'write', 'delete', 'alter', 'all'],
  alter: ['alter', 'all'],
  'describe-configs': ['describe-configs', 'alter-configs', 'all'],
  'alter-configs': ['alter-configs', 'all'],
  'idempotent-write': ['idempotent-write', 'all'],
};

function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidRequestError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Validates a binding from the wire, the CLI or a file; returns it in canonical form. */
export function checkAclBinding(input: Partial<Record<keyof AclBinding, unknown>>): AclBinding {
  const resourceType = oneOf('resource type', input.resourceType, RESOURCE_TYPES);
  const patternType = oneOf('pattern type', input.patternType ?? 'literal', PATTERN_TYPES);
  const operation = oneOf('operation', input.operation, ACL_OPERATIONS);
  const permission = oneOf('permission', input.permission, ACL_PERMISSIONS);
  const principal = parsePrincipal(input.principal);
  const resourceName = input.resourceName;
  if (typeof resourceName !== 'string' || resourceName.length === 0 || resourceName.length > ACL_RESOURCE_NAME_CHARS_MAX) {
    throw new InvalidRequestError(`resource name must be 1-${ACL_RESOURCE_NAME_CHARS_MAX} characters`);
  }
  if (!OPERATIONS_BY_TYPE[resourceType].has(operation)) {
    throw new InvalidRequestError(`operation ${operation} does not apply to a ${resourceType}; use one of ${[...OPERATIONS_BY_TYPE[resourceType]].join(', ')}`);
  }
  if (resourceType === 'cluster' && (patternType !== 'literal' || (resourceName !== CLUSTER_RESOURCE_NAME && resourceName !== WILDCARD_RESOURCE_NAME))) {
    throw new InvalidRequestError(`a cluster ACL names the literal resource ${CLUSTER_RESOURCE_NAME}`);
  }
  if (patternType === 'prefixed' && resourceName === WILDCARD_RESOURCE_NAME) {
    throw new InvalidRequestError('a prefixed ACL cannot use "*"; a literal "*" already matches every name');
  }
  return { principal, resourceType, patternType, resourceName: resourceType === 'cluster' ? CLUSTER_RESOURCE_NAME : resourceName, operation, permission };
}

/** Whether a binding's pattern covers the resource `name`. */
export function patternMatches(binding: AclBinding, name: string): boolean {
  if (binding.patternType === 'prefixed') return name.startsWith(binding.resourceName);
  return binding.resourceName === WILDCARD_RESOURCE_NAME || binding.resourceName === name;
}

/**
 * Selects bindings for listing and removal. Every field left out matches anything. For
 * patternType, 'any' (the default) matches both kinds with this exact resourceName, and
 * 'match' (Kafka's MATCH) every binding that applies to a resource called resourceName:
 * its literal, the `*` wildcard and every prefix of it.
 */
export interface AclFilter {
  readonly principal?: string;
  readonly resourceType?: ResourceType;
  readonly resourceName?: string;
  readonly patternType?: PatternType | 'any' | 'match';
  readonly operation?: AclOperation;
  readonly permission?: AclPermission;
}

export function checkAclFilter(input: Partial<Record<keyof AclFilter, unknown>>): AclFilter {
  const f: { -readonly [K in keyof AclFilter]: AclFilter[K] } = {};
  if (input.principal != null && input.principal !== '') f.principal = parsePrincipal(input.principal);
  if (input.resourceType != null && input.resourceType !== '') f.resourceType = oneOf('resource type', input.resourceType, RESOURCE_TYPES);
  if (input.resourceName != null && input.resourceName !== '') f.resourceName = String(input.resourceName);
  if (input.patternType != null && input.patternType !== '') f.patternType = oneOf('pattern type', input.patternType, [...PATTERN_TYPES, 'any', 'match'] as const);
  if (input.operation != null && input.operation !== '') f.operation = oneOf('operation', input.operation, ACL_OPERATIONS);
  if (input.permission != null && input.permission !== '') f.permission = oneOf('permission', input.permission, ACL_PERMISSIONS);
  if (f.patternType === 'match' && f.resourceName === undefined) throw new InvalidRequestError('pattern type match needs a resource name');
  return f;
}

export function filterMatches(filter: AclFilter, b: AclBinding): boolean {
  if (filter.principal !== undefined && filter.principal !== b.principal) return false;
  if (filter.resourceType !== undefined && filter.resourceType !== b.resourceType) return false;
  if (filter.operation !== undefined && filter.operation !== b.operation) return false;
  if (filter.permission !== undefined && filter.permission !== b.permission) return false;
  const pattern = filter.patternType ?? 'any';
  if (pattern === 'match') return patternMatches(b, filter.resourceName!);
  if (pattern !== 'any' && pattern !== b.patternType) return false;
  return filter.resourceName === undefined || filter.resourceName === b.resourceName;
}

/** Identity of a binding (two equal bindings are one ACL). */
export function aclKey(b: AclBinding): string {
  return [b.principal, b.resourceType, b.patternType, b.resourceName, b.operation, b.permission].join('\u0000');
}
