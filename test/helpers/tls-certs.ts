/**
 * Test certificates made with the openssl CLI in a temp dir: a CA, and certificates it signs
 * (EC P-256 keys: fast to make and to handshake with).
 *
 *   const pki = await makeTestPki();                    // ca.pem, ca.key
 *   const server = await pki.issue('broker', { subject: '/CN=localhost', server: true });
 *   const alice = await pki.issue('alice', { subject: '/O=Strata Test/OU=eng/CN=alice' });
 *   ... server.certFile, server.keyFile, pki.caFile ...
 *   await pki.remove();
 *
 * Server certificates name 127.0.0.1 and localhost (subjectAltName), as tests listen there.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface IssuedCert {
  readonly certFile: string;
  readonly keyFile: string;
  /** Serial number, upper-case hex as openssl prints it. */
  readonly serial: string;
  cert(): Promise<Buffer>;
  key(): Promise<Buffer>;
}

export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  ca(): Promise<Buffer>;
  /** A certificate signed by this CA. */
  issue(name: string, opts: { subject: string; server?: boolean; days?: number }): Promise<IssuedCert>;
  remove(): Promise<void>;
}

async function openssl(args: string[]): Promise<string> {
  const { stdout } = await run('openssl', args);
  return stdout;
}

/** A fresh CA (`/CN=<caName>`) in its own temp dir. */
export async function makeTestPki(caName = 'Strata Test CA', parentDir?: string): Promise<TestPki> {
  const dir = parentDir ?? await mkdtemp(join(tmpdir(), 'strata-pki-'));
  const caKey = join(dir, `${slug(caName)}.key`);
  const caFile = join(dir, `${slug(caName)}.pem`);
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caFile,
    '-days', '2', '-subj', `/CN=${caName}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    dir,
    caFile,
    ca: () => readFile(caFile),
    async issue(name, opts) {
      const keyFile = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const certFile = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', opts.subject]);
      const lines = opts.server
        ? ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth,clientAuth']
        : ['extendedKeyUsage=clientAuth'];
      await writeFile(ext, `${lines.join('\n')}\n`);
      await openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile,
        '-days', String(opts.days ?? 2), '-extfile', ext]);
      const serial = (await openssl(['x509', '-in', certFile, '-noout', '-serial'])).trim().replace(/^serial=/, '');
      return { certFile, keyFile, serial, cert: () => readFile(certFile), key: () => readFile(keyFile) };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
