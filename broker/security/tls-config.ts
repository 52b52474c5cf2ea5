/**
 * The broker's TLS settings: one certificate and key for both listeners (the WebSocket port
 * serves wss:// and https, the Kafka port speaks SSL), and optionally a CA. With a CA, client
 * certificates are REQUIRED (mutual TLS) and must chain to it; the certificate's subject then
 * names the connection (tls-principal.ts).
 *
 * The files are read when the broker starts and again on every reload (SIGHUP, see
 * tls-material.ts); the config holds only their paths.
 */
import { InvalidConfigError } from '../../proto/errors.js';

export interface TlsConfig {
  /** PEM certificate chain the broker presents (leaf first). */
  readonly certFile: string;
  /** PEM private key of that certificate. */
  readonly keyFile: string;
  /** PEM CA bundle client certificates must chain to; null: no client certificates asked for. */
  readonly caFile: string | null;
}

export interface TlsConfigInput {
  certFile?: string;
  keyFile?: string;
  caFile?: string | null;
}

/** null when TLS is off; InvalidConfigError when only half of cert and key is given. */
export function resolveTlsConfig(input: TlsConfigInput | null | undefined): TlsConfig | null {
  if (input === undefined || input === null) return null;
  const { certFile, keyFile } = input;
  const caFile = input.caFile ?? null;
  if (certFile === undefined && keyFile === undefined) {
    if (caFile !== null) throw new InvalidConfigError('--tls-ca needs --tls-cert and --tls-key (the broker must present a certificate before it can ask for one)');
    return null;
  }
  if (typeof certFile !== 'string' || certFile.length === 0) throw new InvalidConfigError('--tls-key needs --tls-cert');
  if (typeof keyFile !== 'string' || keyFile.length === 0) throw new InvalidConfigError('--tls-cert needs --tls-key');
  if (caFile !== null && (typeof caFile !== 'string' || caFile.length === 0)) throw new InvalidConfigError('--tls-ca must be a file path');
  return { certFile, keyFile, caFile };
}

/** Whether connections must present a client certificate. */
export function isMutualTls(tls: TlsConfig | null): boolean {
  return tls !== null && tls.caFile !== null;
}
