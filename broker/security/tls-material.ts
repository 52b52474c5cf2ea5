/**
 * The certificate, key and CA files of the broker, read into the options Node's TLS servers
 * take, and re-read on reload.
 *
 *   const material = TlsMaterial.load(config.tls);    // InvalidConfigError if unreadable/mismatched
 *   https.createServer({ ...material.serverOptions(), handshakeTimeout }, ...)
 *   material.reload()                                  // new options, or throws (old ones kept)
 *
 * Loading checks the files the way the TLS stack will use them (tls.createSecureContext): a key
 * that does not match its certificate, or a PEM that does not parse, fails here with the file
 * named, rather than at the first client's handshake. A reload that fails leaves the previous
 * material in place: the caller logs it, and the broker keeps serving with the old certificate.
 *
 * Servers get the material through setSecureContext(), which affects only new connections:
 * existing ones keep the session they negotiated.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { InvalidConfigError } from '../../proto/errors.js';
import type { ResolvedTls } from '../../client/tls-options.js';
import type { TlsConfig } from './tls-config.js';

/** Oldest protocol the listeners accept: TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const TLS_MIN_VERSION = 'TLSv1.2';

/**
 * A PEM file larger than this is refused: a certificate chain is a few KiB, a CA bundle (the
 * system one) about 200 KiB; a huge file is a wrong path, not a certificate.
 */
export const TLS_FILE_BYTES_MAX = 4 * 1024 * 1024;

/** What both listeners pass to their TLS server (and to setSecureContext on reload). */
export interface TlsServerOptions extends SecureContextOptions {
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

function readPem(what: string, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InvalidConfigError(`cannot read the TLS ${what} file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (bytes.length === 0 || bytes.length > TLS_FILE_BYTES_MAX) {
    throw new InvalidConfigError(`the TLS ${what} file ${path} must hold 1 to ${TLS_FILE_BYTES_MAX} bytes of PEM, it holds ${bytes.length}`);
  }
  return bytes;
}

/** Reads and checks the files; throws InvalidConfigError naming what is wrong. */
function readMaterial(config: TlsConfig): TlsServerOptions {
  const cert = readPem('certificate (--tls-cert)', config.certFile);
  const key = readPem('key (--tls-key)', config.keyFile);
  const ca = config.caFile === null ? undefined : readPem('CA (--tls-ca)', config.caFile);
  const options: TlsServerOptions = {
    cert, key, ...(ca ? { ca } : {}), minVersion: TLS_MIN_VERSION,
    // With a CA: every client must present a certificate that chains to it (mutual TLS).
    requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined,
  };
  try {
    createSecureContext(options);
  } catch (err) {
    const files = [config.certFile, config.keyFile, ...(config.caFile ? [config.caFile] : [])].join(', ');
    throw new InvalidConfigError(`the TLS files (${files}) are not usable: ${(err as Error).message}`, { cause: err });
  }
  return options;
}

export class TlsMaterial {
  private current: TlsServerOptions;
  /** Successful reloads since start. */
  reloads = 0;

  private constructor(readonly config: TlsConfig, options: TlsServerOptions) {
    this.current = options;
  }

  static load(config: TlsConfig): TlsMaterial {
    return new TlsMaterial(config, readMaterial(config));
  }

  get mutual(): boolean {
    return this.current.requestCert;
  }

  /** The options in force. */
  serverOptions(): TlsServerOptions {
    return this.current;
  }

  /**
   * What this broker's replica connections to other brokers use: the CA (or, without one, the
   * broker's own certificate chain, which works when brokers share a certificate or its file
   * carries the CA) to verify them, and under mutual TLS its own certificate as client's.
   */
  replicaClientOptions(): ResolvedTls {
    const o = this.current;
    const trust = (o.ca ?? o.cert) as Buffer;
    return {
      ca: [trust],
      ...(o.requestCert ? { cert: o.cert as Buffer, key: o.key as Buffer } : {}),
      rejectUnauthorized: true,
    };
  }

  /** Re-reads the files; on failure throws and keeps the previous material. */
  reload(): TlsServerOptions {
    const next = readMaterial(this.config);
    this.current = next;
    this.reloads++;
    return next;
  }
}
