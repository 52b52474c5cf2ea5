/**
 * The broker's security settings and the safe default that guards them.
 *
 *   auth 'none'  : no authentication; every connection is User:ANONYMOUS and ACLs are not
 *                  enforced (Kafka without an authorizer). Only safe on loopback.
 *   auth 'scram' : every connection must log in with SASL SCRAM-SHA-256/512 (or PLAIN over
 *                  TLS) before any request but ApiVersions and the SASL exchange itself; ACLs
 *                  are enforced and what no ACL allows is denied; super users bypass ACLs.
 *
 * Mutual TLS (--tls-ca) authenticates every connection by its client certificate: with auth
 * 'none' the certificate's subject is the principal and ACLs are enforced as under 'scram'
 * (`mutualTls`); with auth 'scram' the SASL login still names the principal, as on a Kafka
 * SASL_SSL listener, and the certificate only admits the connection.
 *
 * Safe default: a listener bound to anything but a loopback address with auth 'none' would let
 * anyone who can reach the port read, write and delete every topic, so the broker refuses to
 * start, naming the listener and the two ways out (--auth scram, or --allow-anonymous to say
 * the open broker is meant). A host name other than `localhost` counts as non-loopback: what it
 * resolves to can change after the check.
 */
import { isIP } from 'node:net';
import { InvalidConfigError } from '../../proto/errors.js';
import { checkUsername, parsePrincipal, userPrincipal } from './principal.js';

export const AUTH_MODES = ['none', 'scram'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Super users named on the command line; a bound so a typo'd file cannot make a huge set. */
export const SUPER_USERS_MAX = 1_000;

export interface SecurityConfig {
  /** @default 'none' */
  readonly auth: AuthMode;
  /** Principals that bypass ACLs, canonical (`User:alice`). @default [] */
  readonly superUsers: readonly string[];
  /** Lets a non-loopback listener run with auth 'none'. @default false */
  readonly allowAnonymous: boolean;
  /** Every connection presents a verified client certificate (--tls-ca). @default false */
  readonly mutualTls: boolean;
}

export interface SecurityConfigInput {
  auth?: AuthMode;
  /** `alice` or `User:alice`. */
  superUsers?: readonly string[];
  allowAnonymous?: boolean;
}

export function resolveSecurityConfig(input: SecurityConfigInput | undefined, mutualTls = false): SecurityConfig {
  const auth = input?.auth ?? 'none';
  if (!(AUTH_MODES as readonly string[]).includes(auth)) throw new InvalidConfigError(`security.auth must be one of ${AUTH_MODES.join(', ')}, got ${String(auth)}`);
  const raw = input?.superUsers ?? [];
  if (!Array.isArray(raw) || raw.length > SUPER_USERS_MAX) throw new InvalidConfigError(`security.superUsers must be a list of at most ${SUPER_USERS_MAX} users`);
  const superUsers = raw.map((u) => {
    try {
      return typeof u === 'string' && u.startsWith('User:') ? parsePrincipal(u) : userPrincipal(checkUsername(u));
    } catch (err) {
      throw new InvalidConfigError(`super user ${JSON.stringify(u)}: ${(err as Error).message}`);
    }
  });
  const allowAnonymous = input?.allowAnonymous ?? false;
  if (typeof allowAnonymous !== 'boolean') throw new InvalidConfigError('security.allowAnonymous must be a boolean');
  return { auth, superUsers: [...new Set(superUsers)], allowAnonymous, mutualTls };
}

/** True only for addresses that cannot be reached from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  const kind = isIP(h);
  if (kind === 4) return h.startsWith('127.');
  if (kind === 6) {
    const lower = h.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** Throws InvalidConfigError when a listener would be open to the network without authentication. */
export function checkListenersSafe(security: SecurityConfig, listeners: ReadonlyArray<{ what: string; host: string }>): void {
  // Mutual TLS: no connection without a certificate the CA signed, whatever the address.
  if (security.auth !== 'none' || security.allowAnonymous || security.mutualTls) return;
  const open = listeners.filter((l) => !isLoopbackHost(l.host));
  if (open.length === 0) return;
  const named = open.map((l) => `${l.what} on ${l.host}`).join(' and ');
  throw new InvalidConfigError(
    `refusing to start: ${named} would accept anyone on the network with no authentication (--auth none). `
    + 'Use --auth scram (with a user made by `strata user create --data-dir DIR NAME`), or mutual TLS (--tls-cert, --tls-key and --tls-ca), '
    + 'or pass --allow-anonymous if an open broker is really meant');
}
