/**
 * ACLs enforced on both listeners through real clients (the SDK over WebSocket; kafkajs and kcat
 * over the Kafka protocol): a matrix of APIs x operations x allow / deny / prefix, super users
 * bypassing them, no existence leak in Metadata and ListTopics, and `strata acl add|list|remove`.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { Strata } from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';
import { kafkajs, kcat } from '../kafka/harness.js';

let b: TestBroker;
let kafka: string;
const clients: Strata[] = [];

function sdk(user: string): Strata {
  const c = new Strata({ brokers: b.url, sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: `${user}-pw` }, retry: { retries: 0 } });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-acl-'));
  const store = await FileCredentialStore.open(dataDir);
  for (const u of ['admin', 'alice', 'bob']) await store.put(u, scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: `${u}-pw` }), 'create');
  b = await startTestBroker({ dataDir, kafka: { host: '127.0.0.1', port: 0 }, security: { auth: 'scram', superUsers: ['admin'] } });
  const k = b.broker.kafkaAddress!.bound;
  kafka = `${k.host}:${k.port}`;
  const admin = sdk('admin');
  for (const name of ['orders', 'pub-a', 'pub-secret', 'hidden']) await admin.admin().createTopic({ name, partitions: 1 });
  await admin.producer().send({ topic: 'pub-a', messages: [{ value: 'public' }] });
  await admin.producer().send({ topic: 'pub-secret', messages: [{ value: 'secret' }] });
  await admin.securityAdmin().createAcls([
    { principal: 'User:alice', resourceType: 'topic', resourceName: 'orders', operation: 'write', permission: 'allow' },
    { principal: 'User:alice', resourceType: 'topic', patternType: 'prefixed', resourceName: 'pub-', operation: 'read', permission: 'allow' },
    { principal: 'User:alice', resourceType: 'topic', resourceName: 'pub-secret', operation: 'read', permission: 'deny' },
    { principal: 'User:alice', resourceType: 'group', resourceName: 'g1', operation: 'read', permission: 'allow' },
  ]);
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await b?.stop();
});

describe('ACL enforcement', () => {
  it('over WebSocket: allows what an ACL grants, refuses the rest with the typed errors, deny wins, prefixes match', async () => {
    const alice = sdk('alice');
    expect(await alice.admin().listTopics()).toEqual(['orders', 'pub-a', 'pub-secret']);
    await alice.producer().send({ topic: 'orders', messages: [{ value: 'ok' }] });
    await expect(alice.producer({ retry: { retries: 0 } }).send({ topic: 'pub-a', messages: [{ value: 'x' }] }))
      .rejects.toMatchObject({ name: 'TopicAuthorizationFailedError' });

    const read = async (topic: string) => {
      const consumer = alice.consumer({ decode: 'utf8' });
      consumer.assign([{ topic, partition: 0, offset: 'earliest' }]);
      try {
        for await (const r of consumer) return r.value;
      } finally {
        await consumer.close();
      }
      return null;
    };
    expect(await read('pub-a')).toBe('public');
    await expect(read('pub-secret')).rejects.toMatchObject({ name: 'TopicAuthorizationFailedError' });
    await expect(read('orders')).rejects.toMatchObject({ name: 'TopicAuthorizationFailedError' });

    await expect(alice.admin().createTopic({ name: 'mine' })).rejects.toMatchObject({ name: 'TopicAuthorizationFailedError' });
    await expect(alice.admin().deleteTopic('orders')).rejects.toMatchObject({ name: 'TopicAuthorizationFailedError' });
    await expect(alice.groupAdmin().listGroups()).rejects.toMatchObject({ name: 'ClusterAuthorizationFailedError' });
    await expect(alice.securityAdmin().listUsers()).rejects.toMatchObject({ name: 'ClusterAuthorizationFailedError' });
    await expect(alice.securityAdmin().createAcls([{ principal: 'User:alice', resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'all', permission: 'allow' }]))
      .rejects.toMatchObject({ name: 'ClusterAuthorizationFailedError' });
    expect(b.broker.security!.stats.authorizationsDenied).toBeGreaterThan(0);
  });

  it('leaks no existence: an undescribable topic and a missing one look the same, and listings leave them out', async () => {
    const alice = sdk('alice');
    const hidden = alice.admin().describeTopic('hidden').catch((e: Error) => e);
    const missing = alice.admin().describeTopic('no-such-topic').catch((e: Error) => e);
    const [h, m] = await Promise.all([hidden, missing]);
    expect(h).toMatchObject({ name: 'TopicAuthorizationFailedError' });
    expect(m).toMatchObject({ name: 'TopicAuthorizationFailedError' });
    const bob = sdk('bob');
    expect(await bob.admin().listTopics()).toEqual([]);
    expect((await bob.admin().metadata()).topics).toEqual([]);
    // An idempotent producer's first request, InitProducerId, needs write on some topic (Kafka's rule).
    await expect(bob.producer({ retry: { retries: 0 } }).send({ topic: 'orders', messages: [{ value: 'x' }] }))
      .rejects.toMatchObject({ name: 'ClusterAuthorizationFailedError', message: expect.stringMatching(/may not get a producer id/) });
  });

  it('over the Kafka protocol: kafkajs and kcat meet the same ACLs with Kafka\'s codes', async () => {
    const client = kafkajs(kafka, { sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-pw' }, retry: { retries: 0 } });
    const admin = client.admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).sort()).toEqual(['orders', 'pub-a', 'pub-secret']);
      await expect(admin.fetchTopicMetadata({ topics: ['hidden'] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      await expect(admin.createTopics({ topics: [{ topic: 'mine' }] })).rejects.toBeTruthy();
    } finally {
      await admin.disconnect();
    }
    const producer = client.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'orders', messages: [{ value: 'from kafkajs' }] });
      await expect(producer.send({ topic: 'pub-a', messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    } finally {
      await producer.disconnect();
    }

    const sasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-pw'];
    const ok = await kcat(kafka, [...sasl, '-C', '-t', 'pub-a', '-o', 'beginning', '-e', '-q']);
    expect(ok.stdout).toBe('public\n');
    // librdkafka reports the refused fetch and keeps trying; what it printed by then is the answer.
    const denied = await kcat(kafka, [...sasl, '-C', '-t', 'pub-secret', '-o', 'beginning', '-e'], undefined, 4_000)
      .then((r) => `${r.stdout}${r.stderr}`, (err: Error) => err.message);
    expect(denied).toMatch(/Topic authorization failed/i);
    expect(denied).not.toMatch(/secret\n/);
  });

  it('super users bypass ACLs; strata acl add, list and remove change what a user may do at once', async () => {
    const admin = sdk('admin');
    expect(await admin.admin().listTopics()).toEqual(['hidden', 'orders', 'pub-a', 'pub-secret']);
    const cli = (args: string[]) => runCli([...args, '--broker', b.url, '--user', 'admin', '--password', 'admin-pw']);
    const added = await cli(['acl', 'add', '--principal', 'User:bob', '--topic', 'hidden', '--operation', 'describe,read']);
    expect(added.stderr).toBe('added 2 ACLs\n');
    const listed = await cli(['acl', 'list', '--principal', 'User:bob']);
    expect(listed.stdout).toMatch(/^PRINCIPAL\s+PERMISSION\s+OPERATION\s+RESOURCE\s+PATTERN\s+NAME\nUser:bob\s+allow\s+describe\s+topic\s+literal\s+hidden\nUser:bob\s+allow\s+read\s+topic\s+literal\s+hidden\n$/);
    const bob = sdk('bob');
    expect(await bob.admin().listTopics()).toEqual(['hidden']);
    const removed = await cli(['acl', 'remove', '--principal', 'User:bob', '--topic', 'hidden']);
    expect(removed.stderr).toBe('removed 2 ACLs\n');
    expect(await bob.admin().listTopics()).toEqual([]);
    const bad = await cli(['acl', 'add', '--principal', 'User:bob', '--cluster', '--operation', 'read']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/operation read does not apply to a cluster/);
  });
});
