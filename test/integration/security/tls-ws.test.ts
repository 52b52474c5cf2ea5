/**
 * TLS on the WebSocket listener, with a CA and certificates made by openssl in the test:
 * the SDK produces and consumes over wss://, a client without the CA (and a wss:// client on a
 * plaintext port) fails at once with the typed TlsHandshakeError, garbage and stalled
 * handshakes on the TLS port are counted and the broker lives on, /healthz answers over https;
 * under mutual TLS the client certificate's subject DN is the principal ACLs name, and a
 * client without a certificate is refused with the typed error.
 */
import { connect as tcpConnect } from 'node:net';
import { get as httpsGet } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { makeTestPki, type IssuedCert, type TestPki } from '../../helpers/tls-certs.js';
import { eventually } from '../kafka/harness.js';

let pki: TestPki;
let server: IssuedCert;
let alice: IssuedCert;
let mallory: IssuedCert;
let otherPki: TestPki;

beforeAll(async () => {
  pki = await makeTestPki();
  otherPki = await makeTestPki('Other CA');
  [server, alice, mallory] = await Promise.all([
    pki.issue('broker', { subject: '/CN=localhost', server: true }),
    pki.issue('alice', { subject: '/C=SE/O=Strata Test/OU=eng/CN=alice' }),
    otherPki.issue('mallory', { subject: '/CN=mallory' }),
  ]);
});

afterAll(async () => {
  await pki?.remove();
  await otherPki?.remove();
});

async function produceAndConsume(client: Strata, topic: string): Promise<string> {
  await client.admin().createTopic({ name: topic, partitions: 1 });
  await client.producer().send({ topic, messages: [{ value: 'over tls' }] });
  const consumer = client.consumer({ decode: 'utf8' });
  consumer.assign([{ topic, partition: 0, offset: 'earliest' }]);
  for await (const r of consumer) return r.value as string;
  return '';
}

describe('wss:// (server certificate only)', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ tls: { certFile: server.certFile, keyFile: server.keyFile }, limits: { handshakeTimeoutMs: 1_000 } });
  });
  afterAll(async () => { await b?.stop(); });

  it('serves wss:// and the SDK produces and consumes with the test CA', async () => {
    expect(b.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const client = new Strata({ brokers: b.url, tls: { ca: await pki.ca() } });
    try {
      expect(await produceAndConsume(client, 'tls-ws')).toBe('over tls');
    } finally {
      await client.close();
    }
  });

  it('fails a client without the CA at once with TlsHandshakeError (not retried, not a hang)', async () => {
    const started = Date.now();
    const client = new Strata({ brokers: b.url, retry: { retries: 5 } });
    try {
      await expect(client.admin().listTopics()).rejects.toMatchObject({ name: 'TlsHandshakeError', retriable: false, message: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/ });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await client.close();
    }
    // A CA that did not sign the broker's certificate fails the same way.
    const other = new Strata({ brokers: b.url, tls: { ca: await otherPki.ca() } });
    try {
      await expect(other.admin().listTopics()).rejects.toMatchObject({ name: 'TlsHandshakeError', retriable: false });
    } finally {
      await other.close();
    }
  });

  it('fails a wss:// client on a plaintext port with TlsHandshakeError', async () => {
    const plain = await startTestBroker();
    const client = new Strata({ brokers: plain.url.replace('ws://', 'wss://'), tls: { ca: await pki.ca() } });
    try {
      await expect(client.admin().listTopics()).rejects.toMatchObject({ name: 'TlsHandshakeError', message: /wrong version number/ });
    } finally {
      await client.close();
      await plain.stop();
    }
  });

  it('counts plaintext, garbage and stalled handshakes on the TLS port, and keeps serving', async () => {
    const before = b.broker.stats;
    const send = (bytes: string | Buffer) => new Promise<void>((resolve) => {
      const s = tcpConnect(b.port, '127.0.0.1', () => s.write(bytes));
      s.on('error', () => undefined);
      s.resume(); // read what the broker sends (a TLS alert), or its end is never seen
      s.on('close', () => resolve());
    });
    await send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff])); // a TLS record of junk
    expect(b.broker.stats.badHttpRequests).toBe(before.badHttpRequests); // TLS failures are not HTTP ones
    await send(Buffer.from([0x16, 0x03, 0x01])); // a half record, then silence: the handshake timeout drops it
    await eventually('failures counted', () => {
      const s = b.broker.stats;
      return s.tlsHandshakesFailed >= before.tlsHandshakesFailed + 2 && s.handshakesTimedOut >= before.handshakesTimedOut + 1;
    }, 10_000);
    const client = new Strata({ brokers: b.url, tls: { ca: await pki.ca() } });
    try {
      expect(Array.isArray(await client.admin().listTopics())).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('answers /healthz over https', async () => {
    const ca = await pki.ca();
    const status = await new Promise<number>((resolve, reject) => {
      httpsGet({ host: '127.0.0.1', port: b.port, path: '/healthz', ca }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    expect(status).toBe(200);
  });
});

describe('mutual TLS with --auth none', () => {
  let b: TestBroker;
  const aliceDn = 'CN=alice,OU=eng,O=Strata Test,C=SE';
  beforeAll(async () => {
    const admin = await pki.issue('admin', { subject: '/O=Strata Test/CN=admin' });
    b = await startTestBroker({
      tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile },
      security: { superUsers: ['User:CN=admin,O=Strata Test'] },
    });
    const adminClient = new Strata({ brokers: b.url, tls: { ca: await pki.ca(), cert: await admin.cert(), key: await admin.key() } });
    try {
      await adminClient.admin().createTopic({ name: 'mtls-open', partitions: 1 });
      await adminClient.admin().createTopic({ name: 'mtls-closed', partitions: 1 });
      await adminClient.securityAdmin().createAcls([
        { principal: `User:${aliceDn}`, resourceType: 'topic', resourceName: 'mtls-open', operation: 'all', permission: 'allow' },
      ]);
    } finally {
      await adminClient.close();
    }
  });
  afterAll(async () => { await b?.stop(); });

  it('names the connection by the certificate subject (RFC 2253) and enforces the ACLs on it', async () => {
    const client = new Strata({ brokers: b.url, tls: { ca: await pki.ca(), cert: await alice.cert(), key: await alice.key() } });
    try {
      const topics = await client.admin().listTopics();
      // Describe on mtls-open only: the other topic does not even show.
      expect(topics).toEqual(['mtls-open']);
      await client.producer().send({ topic: 'mtls-open', messages: [{ value: 'allowed' }] });
      await expect(client.producer().send({ topic: 'mtls-closed', messages: [{ value: 'denied' }] }))
        .rejects.toMatchObject({ name: 'TopicAuthorizationFailedError', message: new RegExp(`User:${aliceDn} may not write topic mtls-closed`) });
    } finally {
      await client.close();
    }
  });

  it('refuses a client without a certificate, or with one another CA signed, with TlsHandshakeError', async () => {
    for (const tls of [{ ca: await pki.ca() }, { ca: await pki.ca(), cert: await mallory.cert(), key: await mallory.key() }]) {
      const client = new Strata({ brokers: b.url, tls, retry: { retries: 3 } });
      const started = Date.now();
      try {
        await expect(client.admin().listTopics()).rejects.toMatchObject({ name: 'TlsHandshakeError', retriable: false });
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        await client.close();
      }
    }
    expect(b.broker.stats.tlsHandshakesFailed).toBeGreaterThanOrEqual(2);
  });
});
