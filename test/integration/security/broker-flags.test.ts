/**
 * `strata broker start` security flags, on real broker processes: the safe default (a
 * non-loopback listener without authentication is refused, naming why and the way out), and
 * `--auth scram` closing every API but ApiVersions to a connection that has not logged in, on
 * the WebSocket and the Kafka listener alike.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../proto/constants.js';
import { ErrorCode } from '../../../proto/errors.js';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { runCli, startBrokerProcess, removeDir } from '../../helpers/cli.js';
import { RawClient } from '../broker/raw-client.js';
import { RawKafkaClient } from '../kafka/raw-kafka-client.js';

describe('broker security flags', () => {
  it.each([
    [['--host', '0.0.0.0', '--kafka-listen', 'off'], 'WebSocket listener \\(--host\\) on 0.0.0.0'],
    [['--host', '127.0.0.1', '--kafka-listen', '0.0.0.0:0'], 'Kafka listener \\(--kafka-listen\\) on 0.0.0.0'],
    [['--host', '::', '--kafka-listen', 'off', '--auth', 'none'], 'WebSocket listener \\(--host\\) on ::'],
  ])('refuses to start with %j and no authentication, and says why', async (args, named) => {
    // The refusal comes from the configuration check, before the data dir is touched or a port bound.
    const res = await runCli(['broker', 'start', '--data-dir', '/nonexistent-never-created', '--port', '0', ...args]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`refusing to start: the ${named} would accept anyone on the network with no authentication`));
    expect(res.stderr).toMatch(/--auth scram/);
    expect(res.stderr).toMatch(/--allow-anonymous/);
  });

  it('refuses a malformed --auth and an empty --super-users item with usage errors', async () => {
    const bad = await runCli(['broker', 'start', '--data-dir', '/nonexistent-never-created', '--auth', 'kerberos']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--auth must be one of none, scram/);
    const empty = await runCli(['broker', 'start', '--data-dir', '/nonexistent-never-created', '--super-users', 'alice,,bob']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--super-users must be a comma-separated list/);
  });

  it('with --auth scram, answers ApiVersions but refuses every other request before a login, on both listeners', async () => {
    const b = await startBrokerProcess(['--auth', 'scram', '--super-users', 'alice', '--kafka-listen', '127.0.0.1:0']);
    try {
      const ws = await RawClient.connect(b.url);
      const versions = await ws.request({ apiVersions: { protocolVersion: PROTOCOL_VERSION, clientSoftware: 'test' } });
      expect(versions.error).toBeFalsy();
      expect(versions.apiVersions?.apis?.length).toBeGreaterThan(0);
      const list = await ws.request({ listTopics: {} });
      expect(list.error).toMatchObject({ code: ErrorCode.ILLEGAL_SASL_STATE, name: 'IllegalSaslStateError' });
      expect(list.error!.message).toMatch(/authenticate first/);
      const create = await ws.request({ createTopics: { topics: [{ name: 'nope', partitions: 1 }] } });
      expect(create.error).toMatchObject({ code: ErrorCode.ILLEGAL_SASL_STATE });
      ws.ws.close();

      const kafka = await RawKafkaClient.connect(b.kafka!);
      kafka.send(encodeRequest('apiVersions', 0, 1, 't', {} as never));
      const av = decodeResponse('apiVersions', 0, (await kafka.next())!).body;
      expect(av.errorCode).toBe(0);
      // A Kafka SASL listener closes a connection that skips the login; nothing is answered.
      kafka.send(encodeRequest('metadata', 1, 2, 't', { topics: null }));
      expect(await kafka.next()).toBeNull();
      expect(kafka.closed).toBe(true);

      // The broker is still up and serving.
      const again = await RawClient.connect(b.url);
      expect((await again.request({ apiVersions: { protocolVersion: PROTOCOL_VERSION } })).error).toBeFalsy();
      again.ws.close();
    } finally {
      expect(await b.stop()).toBe(0);
      await removeDir(b.dataDir);
    }
  });

  it('keeps `--auth none` on loopback open as before (the default)', async () => {
    const b = await startBrokerProcess([]);
    try {
      const ws = await RawClient.connect(b.url);
      const list = await ws.request({ listTopics: {} });
      expect(list.error).toBeFalsy();
      ws.ws.close();
    } finally {
      await b.stop();
      await removeDir(b.dataDir);
    }
  });
});
