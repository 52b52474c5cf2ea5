/**
 * TLS on the Kafka listener, with certificates made by openssl in the test, through real Kafka
 * clients: kcat (librdkafka) with SASL_SSL + SCRAM-SHA-512 and with SSL + a client certificate
 * (mutual TLS, the subject DN as principal, an ACL allowing and one denying it); kafkajs with
 * `ssl` and `sasl` (SCRAM, and PLAIN, which is offered only over TLS: kafkajs's PLAIN on the
 * plaintext listener is refused); plaintext and garbage on the SSL port are counted and the
 * broker lives on.
 */
import { mkdtemp } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { makeTestPki, type IssuedCert, type TestPki } from '../../helpers/tls-certs.js';
import { eventually, kafkajs, kcat } from '../kafka/harness.js';

let pki: TestPki;
let server: IssuedCert;

beforeAll(async () => {
  pki = await makeTestPki();
  server = await pki.issue('broker', { subject: '/CN=localhost', server: true });
});

afterAll(async () => {
  await pki?.remove();
});

function bootstrapOf(b: TestBroker): string {
  const a = b.broker.kafkaAddress!.bound;
  return `${a.host}:${a.port}`;
}

describe('SASL_SSL (server certificate, --auth scram)', () => {
  let b: TestBroker;
  let plainBroker: TestBroker;
  let bootstrap: string;
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-tls-kafka-'));
    const store = await FileCredentialStore.open(dataDir);
    await store.put('alice', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: 'alice-pw' }), 'create');
    b = await startTestBroker({
      dataDir, kafka: { host: '127.0.0.1', port: 0 }, security: { auth: 'scram', superUsers: ['alice'] },
      tls: { certFile: server.certFile, keyFile: server.keyFile }, limits: { handshakeTimeoutMs: 1_000 },
    });
    bootstrap = bootstrapOf(b);
    plainBroker = await startTestBroker({ dataDir: await mkdtemp(join(tmpdir(), 'strata-plain-kafka-')), kafka: { host: '127.0.0.1', port: 0 }, security: { auth: 'scram' } });
  });
  afterAll(async () => {
    await b?.stop();
    await plainBroker?.stop();
  });

  it('lets kcat produce and consume with security.protocol=SASL_SSL and SCRAM-SHA-512', async () => {
    const sasl = ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=alice',
      '-X', 'sasl.password=alice-pw', '-X', `ssl.ca.location=${pki.caFile}`];
    const admin = kafkajs(bootstrap, { ssl: { ca: [await pki.ca()] }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-pw' } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kcat-sasl-ssl', numPartitions: 1 }] });
    await admin.disconnect();
    const produced = await kcat(bootstrap, [...sasl, '-P', '-t', 'kcat-sasl-ssl'], 'one\ntwo\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(bootstrap, [...sasl, '-C', '-t', 'kcat-sasl-ssl', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout).toBe('one\ntwo\n');
    // Without the CA librdkafka refuses the broker's certificate.
    const noCa = await kcat(bootstrap, [...sasl.slice(0, -2), '-L', '-m', '3']);
    expect(noCa.code).not.toBe(0);
    expect(noCa.stderr).toMatch(/certificate verify failed|SSL handshake failed/);
  });

  it('lets kafkajs produce and consume with ssl + sasl, SCRAM and PLAIN', async () => {
    for (const mechanism of ['scram-sha-512', 'plain'] as const) {
      const kafka = kafkajs(bootstrap, { ssl: { ca: [await pki.ca()] }, sasl: { mechanism, username: 'alice', password: 'alice-pw' } as never });
      const topic = `kafkajs-ssl-${mechanism}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: `hello ${mechanism}` }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `g-${mechanism}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
      });
      await consumer.disconnect();
      expect(got).toBe(`hello ${mechanism}`);
    }
    // PLAIN with a wrong password fails like SCRAM does.
    const wrong = kafkajs(bootstrap, { ssl: { ca: [await pki.ca()] }, sasl: { mechanism: 'plain', username: 'alice', password: 'nope' }, retry: { retries: 0 } }).admin();
    await expect(wrong.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
  });

  it('refuses PLAIN on a plaintext listener (the password would cross in the clear)', async () => {
    const admin = kafkajs(bootstrapOf(plainBroker), { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-pw' }, retry: { retries: 0 } }).admin();
    await expect(admin.connect()).rejects.toThrow(/SASL mechanism|not support|PLAIN/i);
  });

  it('counts plaintext, garbage and stalled handshakes on the SSL port, and keeps serving', async () => {
    const [host, port] = [bootstrap.split(':')[0]!, Number(bootstrap.split(':')[1])];
    const before = b.broker.kafkaServerStats!;
    const send = (bytes: Buffer) => new Promise<void>((resolve) => {
      const s = tcpConnect(port, host, () => s.write(bytes));
      s.on('error', () => undefined);
      s.resume();
      s.on('close', () => resolve());
    });
    // A plaintext ApiVersions request, junk in a TLS record, then half a record and silence.
    await send(Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]));
    await send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff]));
    await send(Buffer.from([0x16, 0x03, 0x01]));
    await eventually('failures counted', () => {
      const s = b.broker.kafkaServerStats!;
      return s.tlsHandshakesFailed >= before.tlsHandshakesFailed + 2 && s.handshakesTimedOut >= before.handshakesTimedOut + 1;
    }, 10_000);
    const admin = kafkajs(bootstrap, { ssl: { ca: [await pki.ca()] }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-pw' } }).admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain('kcat-sasl-ssl');
    await admin.disconnect();
  });
});

describe('SSL with client certificates (mutual TLS, --auth none)', () => {
  let b: TestBroker;
  let bootstrap: string;
  let alice: IssuedCert;
  let bob: IssuedCert;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([
      pki.issue('k-alice', { subject: '/O=Strata Test/CN=alice' }),
      pki.issue('k-bob', { subject: '/O=Strata Test/CN=bob' }),
    ]);
    b = await startTestBroker({
      kafka: { host: '127.0.0.1', port: 0 }, tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile },
      security: { superUsers: ['User:CN=alice,O=Strata Test'] },
    });
    bootstrap = bootstrapOf(b);
    await b.broker.security!.acls.add([
      { principal: 'User:CN=bob,O=Strata Test', resourceType: 'topic', patternType: 'literal', resourceName: 'mtls-bob', operation: 'all', permission: 'allow' },
      { principal: 'User:CN=bob,O=Strata Test', resourceType: 'topic', patternType: 'literal', resourceName: 'mtls-admin', operation: 'describe', permission: 'allow' },
    ]);
  });
  afterAll(async () => { await b?.stop(); });

  const ssl = (c: IssuedCert) => ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${pki.caFile}`,
    '-X', `ssl.certificate.location=${c.certFile}`, '-X', `ssl.key.location=${c.keyFile}`];

  it('lets kcat produce and consume as the certificate subject, within the ACLs on it', async () => {
    const admin = kafkajs(bootstrap, { ssl: { ca: [await pki.ca()], cert: await alice.cert(), key: await alice.key() } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'mtls-bob', numPartitions: 1 }, { topic: 'mtls-admin', numPartitions: 1 }] });
    await admin.disconnect();

    const produced = await kcat(bootstrap, [...ssl(bob), '-P', '-t', 'mtls-bob'], 'by bob\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(bootstrap, [...ssl(bob), '-C', '-t', 'mtls-bob', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout).toBe('by bob\n');
    // bob may describe mtls-admin but not write it: TOPIC_AUTHORIZATION_FAILED.
    const denied = await kcat(bootstrap, [...ssl(bob), '-P', '-t', 'mtls-admin', '-X', 'message.timeout.ms=3000'], 'nope\n');
    expect(denied.stderr).toMatch(/authoriz/i);
    // alice, a super user by DN, may.
    const byAlice = await kcat(bootstrap, [...ssl(alice), '-P', '-t', 'mtls-admin'], 'by alice\n');
    expect(byAlice.code, byAlice.stderr).toBe(0);
  });

  it('refuses a client without a certificate, or with one another CA signed, and counts both', async () => {
    const before = b.broker.kafkaServerStats!.tlsHandshakesFailed;
    const none = await kcat(bootstrap, ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${pki.caFile}`, '-L', '-m', '3']);
    expect(none.code).not.toBe(0);
    const otherPki = await makeTestPki('Other CA');
    try {
      const mallory = await otherPki.issue('mallory', { subject: '/CN=mallory' });
      const foreign = await kcat(bootstrap, [...ssl(mallory), '-L', '-m', '3']);
      expect(foreign.code).not.toBe(0);
    } finally {
      await otherPki.remove();
    }
    expect(b.broker.kafkaServerStats!.tlsHandshakesFailed).toBeGreaterThanOrEqual(before + 2);
  });
});
