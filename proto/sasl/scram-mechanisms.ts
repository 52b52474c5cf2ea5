/**
 * The SCRAM mechanisms Strata speaks (RFC 5802 with the hashes of RFC 7677 and Kafka's
 * SCRAM-SHA-512), and the bounds both ends of an exchange enforce. Shared by the broker (which
 * verifies) and the SDK (which proves), so it imports nothing platform-specific.
 */

/** Hash per mechanism, by its WebCrypto name (node:crypto takes the same names lower-cased). */
export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-256': { hash: 'SHA-256', keyBytes: 32 },
  'SCRAM-SHA-512': { hash: 'SHA-512', keyBytes: 64 },
} as const;

export type ScramMechanism = keyof typeof SCRAM_MECHANISMS;
export type ScramHash = (typeof SCRAM_MECHANISMS)[ScramMechanism]['hash'];

export const SCRAM_MECHANISM_NAMES: readonly ScramMechanism[] = Object.keys(SCRAM_MECHANISMS) as ScramMechanism[];

export function isScramMechanism(name: unknown): name is ScramMechanism {
  return typeof name === 'string' && Object.hasOwn(SCRAM_MECHANISMS, name);
}

/**
 * PBKDF2 iterations. 4,096 is RFC 7677's floor and Kafka's minimum; 16,384 is Kafka's maximum.
 * The maximum also protects a client: a hostile broker asking for 2^31 iterations would
 * otherwise make every login burn minutes of CPU.
 */
export const SCRAM_ITERATIONS_MIN = 4_096;
export const SCRAM_ITERATIONS_MAX = 16_384;
/** What `strata user create` uses unless told otherwise: Kafka's default. */
export const SCRAM_ITERATIONS_DEFAULT = 4_096;

/** Salt length for new credentials: 32 bytes, more than RFC 5802's suggested 16. */
export const SCRAM_SALT_BYTES = 32;
/** Shortest salt a stored credential may have: 128 bits, NIST SP 800-132's floor (RFC 5802 sets none). */
export const SCRAM_SALT_BYTES_MIN = 16;
/** A salt a server sends may be no longer than this (a bound for the client's parser). */
export const SCRAM_SALT_BYTES_MAX = 128;

/** Random bytes in each side's nonce part (base64-encoded on the wire: 32 characters). */
export const SCRAM_NONCE_BYTES = 24;
/** Longest nonce either side accepts: the client's part plus the server's, with room to spare. */
export const SCRAM_NONCE_CHARS_MAX = 256;

/**
 * Longest SCRAM message either side accepts, in bytes. The largest honest one is a client-first
 * with a USERNAME_BYTES_MAX name escaped to three bytes a character, an authzid as long, and a
 * nonce: about 1.8 KiB. Anything longer is refused before it is parsed.
 */
export const SCRAM_MESSAGE_BYTES_MAX = 4_096;

/** Longest user name, in UTF-8 bytes. */
export const USERNAME_BYTES_MAX = 255;
