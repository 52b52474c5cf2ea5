/**
 * TLS for `wss://` brokers: what to trust and which certificate to present, and telling a TLS
 * failure (a certificate that does not verify, a refused client certificate, a broker that does
 * not speak TLS) from a dropped connection, so the SDK fails at once with TlsHandshakeError
 * instead of retrying what will fail the same way.
 *
 * On Node the options go to the `ws` package (Node's tls.connect). In a browser the page's
 * WebSocket uses the browser's own trust store and client certificates: these options cannot
 * apply there and are ignored.
 */
import { InvalidConfigError, TlsHandshakeError } from '../proto/errors.js';

/** A PEM text or its bytes (a Buffer read from a file). */
export type PemInput = string | Uint8Array;

/**
 * TLS settings of every connection to a `wss://` broker (Node only; a browser uses its own).
 *
 * @example
 * new Strata({ brokers: 'wss://broker.example:7171', tls: { ca: readFileSync('ca.pem') } })
 */
export interface TlsOptions {
  /**
   * CA certificate(s) the broker's certificate must chain to, PEM. Replaces the system's trust
   * store for these connections (as Node's `tls.connect` does).
   * @default the system's trusted CAs
   */
  ca?: PemInput | readonly PemInput[];
  /** Client certificate chain, PEM, for brokers that require one (started with --tls-ca). Needs `key`. */
  cert?: PemInput;
  /** Private key of `cert`, PEM. */
  key?: PemInput;
  /** Name the broker's certificate must carry (SNI and the name check). @default the URL's host */
  servername?: string;
  /**
   * Verify the broker's certificate. Turning this off makes TLS encrypt without knowing who is
   * at the other end: for tests only.
   * @default true
   */
  rejectUnauthorized?: boolean;
}

/** What the socket factory passes to the WebSocket implementation. */
export interface ResolvedTls {
  readonly ca?: Array<string | Uint8Array>;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

const isPem = (v: unknown): v is PemInput => typeof v === 'string' || v instanceof Uint8Array;

export function resolveTlsOptions(o: TlsOptions | undefined): ResolvedTls | null {
  if (o === undefined) return null;
  if (o === null || typeof o !== 'object') throw new InvalidConfigError('tls must be an object');
  const ca = o.ca === undefined ? undefined : (Array.isArray(o.ca) ? [...o.ca] : [o.ca]) as unknown[];
  if (ca && !ca.every(isPem)) throw new InvalidConfigError('tls.ca must be PEM text or bytes (or a list of them)');
  if (o.cert !== undefined && !isPem(o.cert)) throw new InvalidConfigError('tls.cert must be PEM text or bytes');
  if (o.key !== undefined && !isPem(o.key)) throw new InvalidConfigError('tls.key must be PEM text or bytes');
  if ((o.cert === undefined) !== (o.key === undefined)) throw new InvalidConfigError('tls.cert and tls.key go together');
  if (o.servername !== undefined && (typeof o.servername !== 'string' || o.servername.length === 0)) {
    throw new InvalidConfigError('tls.servername must be a non-empty string');
  }
  const rejectUnauthorized = o.rejectUnauthorized ?? true;
  if (typeof rejectUnauthorized !== 'boolean') throw new InvalidConfigError('tls.rejectUnauthorized must be a boolean');
  return {
    ...(ca ? { ca: ca as PemInput[] } : {}),
    ...(o.cert !== undefined ? { cert: o.cert } : {}),
    ...(o.key !== undefined ? { key: o.key } : {}),
    ...(o.servername !== undefined ? { servername: o.servername } : {}),
    rejectUnauthorized,
  };
}

/**
 * Node's certificate verification codes (X509_V_ERR_* as Node names them) and its own TLS
 * errors: each means the handshake itself failed, not the network.
 */
const VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_REVOKED', 'INVALID_CA', 'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT',
  // The WebSocket listener's 403 for a client certificate it refused (proto/tls-refusal.ts; platform/node.ts).
  'ERR_STRATA_TLS_CLIENT_CERT_REFUSED',
  // What Node reports for non-TLS bytes where TLS was expected (a wss:// client on a plaintext port).
  'EPROTO',
]);

/** The TlsHandshakeError `err` stands for, or null when it is not a TLS failure. */
export function tlsFailureOf(err: unknown, url: string): TlsHandshakeError | null {
  if (!(err instanceof Error)) return null;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return null;
  // ERR_SSL_*: an alert from the broker (a refused client certificate) or bytes that are not
  // TLS (a wss:// client on a plaintext port: ERR_SSL_WRONG_VERSION_NUMBER).
  if (!VERIFY_CODES.has(code) && !code.startsWith('ERR_SSL_')) return null;
  return new TlsHandshakeError(`TLS handshake with ${url} failed (${code}): ${err.message}`, { cause: err });
}
