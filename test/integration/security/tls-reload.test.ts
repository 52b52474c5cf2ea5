/**
 * A real `strata broker start --tls-cert --tls-key` process: SIGHUP reloads the certificate (a
 * new connection sees the new serial number while a connection opened before keeps working),
 * a bad file on reload is logged and the old certificate kept; the CLI's client commands speak
 * wss:// with --tls-ca and fail with the typed error without it.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';
import { makeTestPki, type IssuedCert, type TestPki } from '../../helpers/tls-certs.js';
import { eventually } from '../kafka/harness.js';

let pki: TestPki;
let first: IssuedCert;
let second: IssuedCert;
let broker: BrokerProcess;
let certFile: string;
let keyFile: string;

/** The serial number of the certificate a fresh TLS connection to the broker is shown. */
async function servedSerial(port: number): Promise<string> {
  const ca = await pki.ca();
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial.toUpperCase());
    });
    s.on('error', reject);
  });
}

beforeAll(async () => {
  pki = await makeTestPki();
  [first, second] = await Promise.all([
    pki.issue('first', { subject: '/CN=localhost', server: true }),
    pki.issue('second', { subject: '/CN=localhost', server: true }),
  ]);
  // The broker reads these paths; the test swaps what they hold.
  certFile = join(pki.dir, 'live.pem');
  keyFile = join(pki.dir, 'live.key');
  await copyFile(first.certFile, certFile);
  await copyFile(first.keyFile, keyFile);
  broker = await startBrokerProcess(['--tls-cert', certFile, '--tls-key', keyFile]);
});

afterAll(async () => {
  await broker?.stop();
  if (broker) await removeDir(broker.dataDir);
  await pki?.remove();
});

describe('strata broker start with TLS', () => {
  it('serves wss:// and reloads the certificate on SIGHUP without dropping connections', async () => {
    expect(broker.url).toMatch(/^wss:\/\//);
    const port = Number(new URL(broker.url).port);
    expect(await servedSerial(port)).toBe(first.serial);

    const client = new Strata({ brokers: broker.url, tls: { ca: await pki.ca() } });
    try {
      await client.admin().createTopic({ name: 'reload', partitions: 1 });
      const producer = client.producer();
      await producer.send({ topic: 'reload', messages: [{ value: 'before' }] });

      await copyFile(second.certFile, certFile);
      await copyFile(second.keyFile, keyFile);
      broker.child.kill('SIGHUP');
      await eventually('the new certificate served', async () => (await servedSerial(port)) === second.serial, 10_000);

      // The connection opened under the first certificate still works.
      await producer.send({ topic: 'reload', messages: [{ value: 'after' }] });
      const consumer = client.consumer({ decode: 'utf8' });
      consumer.assign([{ topic: 'reload', partition: 0, offset: 'earliest' }]);
      const seen: string[] = [];
      for await (const r of consumer) {
        seen.push(r.value as string);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(['before', 'after']);

      // A broken file on reload: logged, the certificate in force stays, the broker serves on.
      await writeFile(certFile, 'not a certificate\n');
      broker.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      expect(broker.child.exitCode).toBeNull();
      expect(await servedSerial(port)).toBe(second.serial);
      await producer.send({ topic: 'reload', messages: [{ value: 'still' }] });
    } finally {
      await client.close();
    }
  });

  it('lets CLI commands use --tls-ca, and fails them with the typed error without it', async () => {
    const ok = await runCli(['topic', 'list', '--broker', broker.url, '--tls-ca', pki.caFile]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('reload');
    const bad = await runCli(['topic', 'list', '--broker', broker.url]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/TLS handshake .* failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  });
});
