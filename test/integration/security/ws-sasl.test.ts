/**
 * The SCRAM login on the WebSocket protocol (SaslHandshake + SaslAuthenticate before any other
 * request), through the SDK's `sasl` option, the CLI's --user/--password/$STRATA_PASSWORD, and
 * raw frames for what the SDK never sends; and the login frames of both listeners fuzzed.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { Strata } from '../../../client/index.js';
import { ScramClient } from '../../../client/sasl/scram-client.js';
import { PROTOCOL_VERSION } from '../../../proto/constants.js';
import { ErrorCode } from '../../../proto/errors.js';
import { encodeRequest as encodeKafka } from '../../../proto/kafka/index.js';
import { SCRAM_MESSAGE_BYTES_MAX } from '../../../proto/sasl/scram-mechanisms.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';
import { RawClient } from '../broker/raw-client.js';
import { RawKafkaClient } from '../kafka/raw-kafka-client.js';

let b: TestBroker;
let kafkaBootstrap: string;

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-ws-sasl-'));
  const store = await FileCredentialStore.open(dataDir);
  await store.put('alice', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: 'alice-pw' }), 'create');
  await store.put('carol', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'carol-pw' }), 'create');
  b = await startTestBroker({ dataDir, kafka: { host: '127.0.0.1', port: 0 }, security: { auth: 'scram', superUsers: ['alice', 'bob', 'carol'] } });
  const k = b.broker.kafkaAddress!.bound;
  kafkaBootstrap = `${k.host}:${k.port}`;
});

afterAll(async () => {
  await b?.stop();
});

async function rawLogin(c: RawClient, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string) {
  await c.request({ apiVersions: { protocolVersion: PROTOCOL_VERSION } });
  const hs = await c.request({ saslHandshake: { mechanism } });
  if (hs.error) return { error: hs.error };
  const scram = new ScramClient({ mechanism, username, password });
  const first = await c.request({ saslAuthenticate: { authBytes: scram.clientFirst() } });
  if (first.error) return { error: first.error };
  const final = await c.request({ saslAuthenticate: { authBytes: await scram.clientFinal(first.saslAuthenticate!.authBytes!) } });
  if (final.error) return { error: final.error };
  await scram.verifyServerFinal(final.saslAuthenticate!.authBytes!);
  return { complete: final.saslAuthenticate!.complete };
}

describe('WebSocket SASL/SCRAM', () => {
  it('lets an SDK client with `sasl` create, produce and consume, and fails a wrong password fast with the typed error', async () => {
    const client = new Strata({ brokers: b.url, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-pw' } });
    try {
      await client.admin().createTopic({ name: 'ws-sasl', partitions: 1 });
      const producer = client.producer();
      await producer.send({ topic: 'ws-sasl', messages: [{ value: 'hi' }] });
      const consumer = client.consumer({ decode: 'utf8' });
      consumer.assign([{ topic: 'ws-sasl', partition: 0, offset: 'earliest' }]);
      for await (const r of consumer) {
        expect(r.value).toBe('hi');
        break;
      }
    } finally {
      await client.close();
    }

    const started = Date.now();
    const wrong = new Strata({ brokers: b.url, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'nope' } });
    try {
      await expect(wrong.admin().listTopics()).rejects.toMatchObject({
        name: 'SaslAuthenticationFailedError', retriable: false,
        message: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      });
      // Not retried with backoff: one attempt, the fixed failure delay and a round trip.
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await wrong.close();
    }

    const anonymous = new Strata({ brokers: b.url, retry: { retries: 0 } });
    try {
      await expect(anonymous.admin().listTopics()).rejects.toMatchObject({ name: 'IllegalSaslStateError', message: expect.stringMatching(/authenticate first/) });
    } finally {
      await anonymous.close();
    }
    expect(() => new Strata({ brokers: b.url, sasl: { mechanism: 'PLAIN' as never, username: 'a', password: 'b' } })).toThrow(/sasl.mechanism/);
  });

  it('logs the CLI in with --user and $STRATA_PASSWORD or --password, and refuses a bad one in one line', async () => {
    const env = process.env.STRATA_PASSWORD;
    process.env.STRATA_PASSWORD = 'carol-pw';
    try {
      const ok = await runCli(['topic', 'list', '--broker', b.url, '--user', 'carol', '--sasl-mechanism', 'SCRAM-SHA-256']);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(/ws-sasl/);
      const bad = await runCli(['topic', 'list', '--broker', b.url, '--user', 'carol', '--password', 'x', '--sasl-mechanism', 'SCRAM-SHA-256']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^strata: SaslAuthenticationFailedError: Authentication failed/);
    } finally {
      if (env === undefined) delete process.env.STRATA_PASSWORD;
      else process.env.STRATA_PASSWORD = env;
    }
    const none = await runCli(['topic', 'list', '--broker', b.url, '--user', 'carol']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs a password: set STRATA_PASSWORD/);
  });

  it('answers an unknown user as a wrong password, closes with 1008 after a failure, and counts it', async () => {
    const before = b.broker.security!.stats.authenticationsFailed;
    const errors = [];
    for (const [user, pw] of [['alice', 'wrong'], ['nobody', 'x']] as const) {
      const c = await RawClient.connect(b.url);
      const res = await rawLogin(c, 'SCRAM-SHA-512', user, pw);
      errors.push(res.error);
      expect((await c.closed).code).toBe(1008);
    }
    expect(errors[0]).toEqual(errors[1]);
    expect(errors[0]).toMatchObject({ code: ErrorCode.SASL_AUTHENTICATION_FAILED });
    expect(b.broker.security!.stats.authenticationsFailed).toBe(before + 2);

    const ok = await RawClient.connect(b.url);
    expect(await rawLogin(ok, 'SCRAM-SHA-512', 'alice', 'alice-pw')).toEqual({ complete: true });
    expect((await ok.request({ listTopics: {} })).error).toBeFalsy();
    const again = await ok.request({ saslHandshake: { mechanism: 'SCRAM-SHA-512' } });
    expect(again.error).toMatchObject({ code: ErrorCode.ILLEGAL_SASL_STATE });
    ok.close();
  });

  it('refuses PLAIN without TLS, a token before the handshake, and truncated or oversized tokens, with typed errors', async () => {
    const plain = await RawClient.connect(b.url);
    const p = await plain.request({ saslHandshake: { mechanism: 'PLAIN' } });
    expect(p.error).toMatchObject({ code: ErrorCode.UNSUPPORTED_SASL_MECHANISM, message: expect.stringMatching(/PLAIN is offered only over TLS/) });
    expect((await plain.closed).code).toBe(1008);

    const early = await RawClient.connect(b.url);
    expect((await early.request({ saslAuthenticate: { authBytes: new Uint8Array([1]) } })).error).toMatchObject({ code: ErrorCode.ILLEGAL_SASL_STATE });
    expect((await early.closed).code).toBe(1008);

    for (const token of [new TextEncoder().encode('n,,n=alice'), new Uint8Array(SCRAM_MESSAGE_BYTES_MAX + 1).fill(0x61)]) {
      const c = await RawClient.connect(b.url);
      await c.request({ saslHandshake: { mechanism: 'SCRAM-SHA-256' } });
      expect((await c.request({ saslAuthenticate: { authBytes: token } })).error).toMatchObject({ code: ErrorCode.SASL_AUTHENTICATION_FAILED });
      expect((await c.closed).code).toBe(1008);
    }
  });

  it('survives fuzzed login frames on both listeners and still logs a real client in', async () => {
    const runs = Number(process.env.STRATA_FUZZ_RUNS ?? 1) * 25;
    const tokenArb = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(`n,,n=alice,r=${s}`)));
    const mechanismArb = fc.constantFrom('SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN', '', 'x'.repeat(300));
    await fc.assert(fc.asyncProperty(mechanismArb, fc.array(tokenArb, { maxLength: 3 }), async (mechanism, tokens) => {
      const ws = await RawClient.connect(b.url);
      ws.send({ saslHandshake: { mechanism } });
      for (const t of tokens) ws.send({ saslAuthenticate: { authBytes: t } });
      ws.sendRaw(Buffer.concat(tokens.map((t) => Buffer.from(t))));
      ws.close();
      const kafka = await RawKafkaClient.connect(kafkaBootstrap);
      kafka.send(encodeKafka('saslHandshake', 1, 1, 'f', { mechanism }));
      for (const [i, t] of tokens.entries()) kafka.send(encodeKafka('saslAuthenticate', 1, 2 + i, 'f', { authBytes: Buffer.from(t) }));
      kafka.close();
    }), { numRuns: runs });
    const c = await RawClient.connect(b.url);
    expect(await rawLogin(c, 'SCRAM-SHA-256', 'carol', 'carol-pw')).toEqual({ complete: true });
    c.close();
  });
});
