/**
 * SASL SCRAM on the Kafka listener (KIP-152: SaslHandshake v1 + SaslAuthenticate), against a real
 * broker over TCP: kcat (librdkafka) with SCRAM-SHA-256 and kafkajs with SCRAM-SHA-512 produce and
 * consume once logged in and fail cleanly with a wrong password; raw frames cover what real
 * clients never send (unknown users, altered, replayed, truncated and oversized messages, the
 * wrong order), each refused with the right code, after the fixed delay, and the broker lives on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { AUTH_FAILURE_DELAY_MS } from '../../../broker/security/sasl-authenticator.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { ScramClient } from '../../../client/sasl/scram-client.js';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { SCRAM_MESSAGE_BYTES_MAX, type ScramMechanism } from '../../../proto/sasl/scram-mechanisms.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { kafkajs, kcat } from '../kafka/harness.js';
import { RawKafkaClient } from '../kafka/raw-kafka-client.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KAFKA = { SASL_AUTHENTICATION_FAILED: 58, UNSUPPORTED_SASL_MECHANISM: 33, ILLEGAL_SASL_STATE: 34, UNSUPPORTED_VERSION: 35 };

let b: TestBroker;
let bootstrap: string;

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-kafka-sasl-'));
  const store = await FileCredentialStore.open(dataDir);
  await store.put('alice', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'alice-pw' }), 'create');
  await store.put('bob', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: 'bob-pw' }), 'create');
  b = await startTestBroker({ dataDir, kafka: { host: '127.0.0.1', port: 0 }, security: { auth: 'scram', superUsers: ['alice', 'bob', 'carol'] } });
  const addr = b.broker.kafkaAddress!.bound;
  bootstrap = `${addr.host}:${addr.port}`;
});

afterAll(async () => {
  await b?.stop();
});

class SaslConn {
  private id = 1;
  private constructor(readonly raw: RawKafkaClient) {}
  static async open(): Promise<SaslConn> {
    return new SaslConn(await RawKafkaClient.connect(bootstrap));
  }
  async handshake(mechanism: string, version = 1) {
    this.raw.send(encodeRequest('saslHandshake', version, this.id++, 't', { mechanism }));
    const frame = await this.raw.next();
    return frame ? decodeResponse('saslHandshake', version, frame).body : null;
  }
  async authenticate(authBytes: Uint8Array, version = 1) {
    this.raw.send(encodeRequest('saslAuthenticate', version, this.id++, 't', { authBytes: Buffer.from(authBytes) }));
    const frame = await this.raw.next();
    return frame ? decodeResponse('saslAuthenticate', version, frame).body : null;
  }
  async metadata() {
    this.raw.send(encodeRequest('metadata', 1, this.id++, 't', { topics: null }));
    const frame = await this.raw.next();
    return frame ? decodeResponse('metadata', 1, frame).body : null;
  }
  close() {
    this.raw.close();
  }
}

/** Runs a SCRAM login up to the client-final, which `alter` may change before it is sent. */
async function scramTo(conn: SaslConn, mechanism: ScramMechanism, username: string, password: string, alter = (m: Uint8Array) => m) {
  expect((await conn.handshake(mechanism))!.errorCode).toBe(0);
  const client = new ScramClient({ mechanism, username, password });
  const first = await conn.authenticate(client.clientFirst());
  expect(first!.errorCode).toBe(0);
  const finalMessage = await client.clientFinal(first!.authBytes);
  const started = performance.now();
  const final = await conn.authenticate(alter(finalMessage));
  return { final, finalMessage, elapsedMs: performance.now() - started, client };
}

describe('Kafka listener SASL/SCRAM', () => {
  it('lets kcat produce and consume with SCRAM-SHA-256, and refuses a wrong password cleanly', async () => {
    const admin = kafkajs(bootstrap, { sasl: { mechanism: 'scram-sha-512', username: 'bob', password: 'bob-pw' } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kcat-sasl', numPartitions: 1 }] });
    await admin.disconnect();
    const sasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=alice'];
    const produced = await kcat(bootstrap, [...sasl, '-X', 'sasl.password=alice-pw', '-P', '-t', 'kcat-sasl'], 'one\ntwo\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(bootstrap, [...sasl, '-X', 'sasl.password=alice-pw', '-C', '-t', 'kcat-sasl', '-o', 'beginning', '-e', '-q']);
    expect(consumed.stdout).toBe('one\ntwo\n');
    const wrong = await kcat(bootstrap, [...sasl, '-X', 'sasl.password=nope', '-L', '-m', '3']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/);
  });

  it('lets kafkajs produce and consume with SCRAM-SHA-512, and rejects a wrong password with its SASL error', async () => {
    const kafka = kafkajs(bootstrap, { sasl: { mechanism: 'scram-sha-512', username: 'bob', password: 'bob-pw' } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kafkajs-sasl', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kafkajs-sasl', messages: [{ value: 'hello' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'sasl-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kafkajs-sasl', fromBeginning: true });
    const got = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    await consumer.disconnect();
    expect(got).toBe('hello');

    const bad = kafkajs(bootstrap, { sasl: { mechanism: 'scram-sha-512', username: 'bob', password: 'wrong' }, retry: { retries: 0 } }).admin();
    await expect(bad.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
  });

  it('answers an unknown user exactly as a wrong password, after the fixed delay, and closes', async () => {
    const failedBefore = b.broker.security!.stats.authenticationsFailed;
    const messages: string[] = [];
    for (const [user, pw] of [['alice', 'wrong'], ['nobody', 'whatever']] as const) {
      const conn = await SaslConn.open();
      const { final, elapsedMs } = await scramTo(conn, 'SCRAM-SHA-256', user, pw);
      expect(final!.errorCode).toBe(KAFKA.SASL_AUTHENTICATION_FAILED);
      expect(elapsedMs).toBeGreaterThanOrEqual(AUTH_FAILURE_DELAY_MS - 5);
      messages.push(final!.errorMessage!);
      expect(await conn.raw.closedWithin(2_000)).toBe(true);
    }
    expect(messages[0]).toBe(messages[1]);
    expect(messages[0]).toBe('Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256');
    expect(b.broker.security!.stats.authenticationsFailed).toBe(failedBefore + 2);
  });

  it('refuses an altered proof, a wrong nonce and a client-final replayed on another connection', async () => {
    // Changes the proof's first base64 character (the last ones may carry only padding bits).
    const flipLast = (m: Uint8Array) => {
      const text = new TextDecoder().decode(m);
      const at = text.indexOf(',p=') + 3;
      return new TextEncoder().encode(text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
    };
    const altered = await SaslConn.open();
    expect((await scramTo(altered, 'SCRAM-SHA-256', 'alice', 'alice-pw', flipLast)).final!.errorCode).toBe(KAFKA.SASL_AUTHENTICATION_FAILED);
    altered.close();

    const wrongNonce = await SaslConn.open();
    const nonce = (m: Uint8Array) => new TextEncoder().encode(new TextDecoder().decode(m).replace(/,r=([^,]*)/, (_s, r: string) => `,r=${r}x`));
    const res = await scramTo(wrongNonce, 'SCRAM-SHA-256', 'alice', 'alice-pw', nonce);
    expect(res.final!.errorCode).toBe(KAFKA.SASL_AUTHENTICATION_FAILED);
    expect(res.final!.errorMessage).toMatch(/nonce/);
    wrongNonce.close();

    // A good login, then its client-final sent again after a fresh client-first elsewhere.
    const good = await SaslConn.open();
    const ok = await scramTo(good, 'SCRAM-SHA-256', 'alice', 'alice-pw');
    expect(ok.final!.errorCode).toBe(0);
    await ok.client.verifyServerFinal(ok.final!.authBytes);
    expect((await good.metadata())!.brokers.length).toBe(1);
    // A second login on the same connection is refused by state.
    expect((await good.handshake('SCRAM-SHA-256'))!.errorCode).toBe(KAFKA.ILLEGAL_SASL_STATE);
    good.close();
    const replay = await SaslConn.open();
    expect((await replay.handshake('SCRAM-SHA-256'))!.errorCode).toBe(0);
    expect((await replay.authenticate(new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'x' }).clientFirst()))!.errorCode).toBe(0);
    expect((await replay.authenticate(ok.finalMessage))!.errorCode).toBe(KAFKA.SASL_AUTHENTICATION_FAILED);
    replay.close();
  });

  it('refuses bad orders, mechanisms, truncated and oversized messages with typed codes and stays up', async () => {
    const plain = await SaslConn.open();
    const offered = await plain.handshake('PLAIN');
    expect(offered).toEqual({ errorCode: KAFKA.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    expect(await plain.raw.closedWithin(2_000)).toBe(true);

    const early = await SaslConn.open();
    expect((await early.authenticate(new Uint8Array([1, 2, 3])))!.errorCode).toBe(KAFKA.ILLEGAL_SASL_STATE);
    expect(await early.raw.closedWithin(2_000)).toBe(true);

    const v0 = await SaslConn.open();
    expect((await v0.handshake('SCRAM-SHA-256', 0))!.errorCode).toBe(KAFKA.UNSUPPORTED_VERSION);
    expect(await v0.raw.closedWithin(2_000)).toBe(true);

    for (const token of [Buffer.from('n,,n=ali'), Buffer.alloc(0), Buffer.alloc(SCRAM_MESSAGE_BYTES_MAX + 1, 0x61), Buffer.from([0xff, 0xfe, 0x00])]) {
      const conn = await SaslConn.open();
      expect((await conn.handshake('SCRAM-SHA-512'))!.errorCode).toBe(0);
      const res = await conn.authenticate(token);
      expect(res!.errorCode).toBe(KAFKA.SASL_AUTHENTICATION_FAILED);
      expect(await conn.raw.closedWithin(2_000)).toBe(true);
    }

    // After all that, a good login still works.
    const conn = await SaslConn.open();
    expect((await scramTo(conn, 'SCRAM-SHA-512', 'bob', 'bob-pw')).final!.errorCode).toBe(0);
    conn.close();
  });
});
