/**
 * Principals, Kafka's way: `<type>:<name>`, and Strata uses one type, `User`. A SCRAM login
 * gives `User:<user name>`, a client certificate `User:<subject DN, RFC 2253>`, no
 * authentication `User:ANONYMOUS`. ACLs name a principal or `User:*` (written `*` too) for
 * everyone.
 */
import { InvalidRequestError } from '../../proto/errors.js';
import { USERNAME_BYTES_MAX } from '../../proto/sasl/scram-mechanisms.js';

export const PRINCIPAL_TYPE_USER = 'User';
export const ANONYMOUS_USER = 'ANONYMOUS';
export const ANONYMOUS_PRINCIPAL = `${PRINCIPAL_TYPE_USER}:${ANONYMOUS_USER}`;
export const WILDCARD_PRINCIPAL = `${PRINCIPAL_TYPE_USER}:*`;

/**
 * Longest principal name: a certificate subject can be long (several RDNs), but an ACL or a
 * quota key must stay small; 1 KiB holds any sane DN.
 */
export const PRINCIPAL_NAME_BYTES_MAX = 1_024;

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const utf8 = new TextEncoder();

export function userPrincipal(name: string): string {
  return `${PRINCIPAL_TYPE_USER}:${name}`;
}

/** The name part of `User:<name>` (what quotas key on). */
export function principalName(principal: string): string {
  return principal.slice(principal.indexOf(':') + 1);
}

/**
 * A SCRAM user name: 1 to USERNAME_BYTES_MAX UTF-8 bytes, no control characters (they would
 * forge lines in logs and CLI tables), not `*` (everyone, in an ACL) and not `<default>` (the
 * default quota entity).
 */
export function checkUsername(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidRequestError('user name must be a non-empty string');
  if (utf8.encode(name).length > USERNAME_BYTES_MAX) throw new InvalidRequestError(`user name must be at most ${USERNAME_BYTES_MAX} bytes`);
  if (CONTROL_CHARS.test(name)) throw new InvalidRequestError('user name must not contain control characters');
  if (name === '*') throw new InvalidRequestError('"*" is not a user name: it means every user in an ACL');
  if (name === '<default>') throw new InvalidRequestError('"<default>" is not a user name: it names the default quota');
  return name;
}

/** Parses a principal as written in an ACL: `User:<name>`, `User:*`, or `*`; returns the canonical form. */
export function parsePrincipal(text: unknown): string {
  if (typeof text !== 'string') throw new InvalidRequestError('principal must be a string');
  if (text === '*' || text === WILDCARD_PRINCIPAL) return WILDCARD_PRINCIPAL;
  const colon = text.indexOf(':');
  if (colon < 0 || text.slice(0, colon) !== PRINCIPAL_TYPE_USER) {
    throw new InvalidRequestError(`principal must be User:<name> or *, got ${JSON.stringify(text)}`);
  }
  const name = text.slice(colon + 1);
  if (name.length === 0 || CONTROL_CHARS.test(name) || utf8.encode(name).length > PRINCIPAL_NAME_BYTES_MAX) {
    throw new InvalidRequestError(`principal name must be 1-${PRINCIPAL_NAME_BYTES_MAX} bytes without control characters`);
  }
  return text;
}
