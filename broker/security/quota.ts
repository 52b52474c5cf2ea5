/**
 * Client quotas, Kafka's model: an entity is a user, a client id, or a user and a client id,
 * each either named or `<default>`; it carries rates. A connection's (user, client id) is
 * matched against the configured entities in Kafka's order of precedence, separately for each
 * rate, and the first entity that sets that rate wins:
 *
 *   1. user=u, client=c        4. user=<default>, client=c         7. client=c
 *   2. user=u, client=<default> 5. user=<default>, client=<default> 8. client=<default>
 *   3. user=u                   6. user=<default>
 *
 * The usage bucket the rate is measured in is named by the matched entity with the defaults
 * filled in: `user=<default>` gives every user a bucket of their own, `user=u` one bucket
 * shared by all of u's connections and client ids. `user` is the principal's name (the SCRAM
 * user name, the certificate DN, or ANONYMOUS).
 */
import { InvalidRequestError } from '../../proto/errors.js';

export const DEFAULT_ENTITY = '<default>';

export interface QuotaEntity {
  /** A user name, DEFAULT_ENTITY, or absent. */
  readonly user?: string;
  /** A client id, DEFAULT_ENTITY, or absent. */
  readonly clientId?: string;
}

export const QUOTA_KEYS = ['producerByteRate', 'consumerByteRate', 'requestRate'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** Bytes/s of produce requests, bytes/s of fetch responses, requests/s of any kind. */
export type QuotaValues = Partial<Record<QuotaKey, number>>;

export interface QuotaEntry {
  readonly entity: QuotaEntity;
  readonly values: QuotaValues;
}

/** Largest rate accepted: 2^53 is safe, but 1 TiB/s is past any real quota and keeps sums exact. */
export const QUOTA_RATE_MAX = 2 ** 40;
/** Longest user name or client id in a quota entity. */
export const QUOTA_ENTITY_CHARS_MAX = 1_024;

export function checkQuotaEntity(e: { user?: unknown; clientId?: unknown }): QuotaEntity {
  const out: { user?: string; clientId?: string } = {};
  for (const field of ['user', 'clientId'] as const) {
    const v = e[field];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > QUOTA_ENTITY_CHARS_MAX) throw new InvalidRequestError(`quota ${field} must be a string of at most ${QUOTA_ENTITY_CHARS_MAX} characters`);
    out[field] = v;
  }
  if (out.user === undefined && out.clientId === undefined) throw new InvalidRequestError('a quota names a user, a client id, or both (or <default>)');
  return out;
}

export function checkQuotaValues(v: Record<string, unknown>): QuotaValues {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(v)) {
    if (!(QUOTA_KEYS as readonly string[]).includes(key)) throw new InvalidRequestError(`unknown quota ${key}; known: ${QUOTA_KEYS.join(', ')}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > QUOTA_RATE_MAX) {
      throw new InvalidRequestError(`quota ${key} must be a positive number up to ${QUOTA_RATE_MAX}, got ${String(value)}`);
    }
    out[key] = value;
  }
  return out as QuotaValues;
}

/** A map key per entity; absent and empty stay apart (a client id may be ''). */
export function entityKey(e: QuotaEntity): string {
  return JSON.stringify([e.user ?? null, e.clientId ?? null]);
}

/** The eight levels, most specific first: which entity to look up, and the bucket it gives. */
function levels(user: string, clientId: string): Array<{ lookup: QuotaEntity; bucket: string }> {
  const D = DEFAULT_ENTITY;
  return [
    { lookup: { user, clientId }, bucket: entityKey({ user, clientId }) },
    { lookup: { user, clientId: D }, bucket: entityKey({ user, clientId }) },
    { lookup: { user }, bucket: entityKey({ user }) },
    { lookup: { user: D, clientId }, bucket: entityKey({ user, clientId }) },
    { lookup: { user: D, clientId: D }, bucket: entityKey({ user, clientId }) },
    { lookup: { user: D }, bucket: entityKey({ user }) },
    { lookup: { clientId }, bucket: entityKey({ clientId }) },
    { lookup: { clientId: D }, bucket: entityKey({ clientId }) },
  ];
}

export interface ResolvedQuota {
  readonly limit: number;
  /** Names the usage bucket: connections resolving to the same bucket share one rate. */
  readonly bucket: string;
}

/** The quota that applies to (user, clientId) for `key`, or null when none does. */
export function resolveQuota(entries: ReadonlyMap<string, QuotaValues>, user: string, clientId: string, key: QuotaKey): ResolvedQuota | null {
  for (const level of levels(user, clientId)) {
    const limit = entries.get(entityKey(level.lookup))?.[key];
    if (limit !== undefined) return { limit, bucket: level.bucket };
  }
  return null;
}
