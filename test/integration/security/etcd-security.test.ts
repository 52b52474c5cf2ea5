/**
 * Credentials, ACLs and quotas in etcd in cluster mode: three real broker processes on one real
 * etcd, `--auth scram`. The admin exists only in broker 1's data dir (bootstrapped as
 * `strata user create --data-dir` does); the cluster's first start copies it into etcd, and the
 * other brokers, with empty data dirs, log it in. A user created through broker 1 logs in on
 * broker 3; an ACL added and then removed through broker 2 allows, then denies, on broker 1; a
 * quota set through broker 3 shows on broker 1, each within a second; two brokers creating users
 * at the same moment both win (compare-and-swap in an etcd transaction, retried on conflict).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { Strata } from '../../../client/index.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';
import { startEtcd, type EtcdCluster } from '../../cluster/harness/etcd.js';

/** How soon a change made through one broker must apply on another. */
const PROPAGATION_MS_MAX = 1_000;

let etcd: EtcdCluster;
const brokers: BrokerProcess[] = [];
const clients: Strata[] = [];

function sdk(broker: number, user: string, password = `${user}-pw`): Strata {
  const c = new Strata({ brokers: brokers[broker - 1]!.url, sasl: { mechanism: 'SCRAM-SHA-512', username: user, password }, retry: { retries: 0 } });
  clients.push(c);
  return c;
}

/** Polls `check` until it holds; returns how long that took (fails past `withinMs`). */
async function within(what: string, withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function canLogIn(broker: number, user: string): Promise<boolean> {
  const c = new Strata({ brokers: brokers[broker - 1]!.url, sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: `${user}-pw` }, retry: { retries: 0 } });
  try {
    await c.admin().listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await c.close().catch(() => undefined);
  }
}

beforeAll(async () => {
  etcd = await startEtcd();
  const cluster = `${etcd.url}/sec2-${process.pid}`;
  const dir1 = await mkdtemp(join(tmpdir(), 'strata-etcd-sec-1-'));
  const store = await FileCredentialStore.open(dir1);
  await store.put('admin', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: 'admin-pw' }), 'create');
  const args = (id: number) => ['--node-id', String(id), '--cluster', cluster, '--auth', 'scram', '--super-users', 'admin'];
  // Broker 1 first: the cluster's first start creates the etcd documents from its data dir.
  brokers.push(await startBrokerProcess(args(1), dir1));
  brokers.push(...await Promise.all([startBrokerProcess(args(2)), startBrokerProcess(args(3))]));
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const b of brokers) {
    await b.stop();
    await removeDir(b.dataDir);
  }
  await etcd?.stop();
});

describe('security in etcd (cluster mode)', () => {
  it('the admin bootstrapped in broker 1\'s data dir logs in on every broker', async () => {
    for (const id of [1, 2, 3]) expect(await canLogIn(id, 'admin'), `admin on broker ${id}`).toBe(true);
  });

  it('a user created through broker 1 logs in on broker 3 within a second', async () => {
    await sdk(1, 'admin').securityAdmin().createUser('alice', 'alice-pw', { mechanism: 'SCRAM-SHA-512' });
    const ms = await within('alice logging in on broker 3', PROPAGATION_MS_MAX, () => canLogIn(3, 'alice'));
    console.log(JSON.stringify({ userPropagationMs: Math.round(ms) }));
    expect(await canLogIn(2, 'alice')).toBe(true);
    expect(await canLogIn(3, 'nobody')).toBe(false);
  });

  it('an ACL added through broker 2 allows on broker 1, and removed through broker 2 denies there, within a second', async () => {
    await sdk(1, 'admin').admin().createTopic({ name: 'shared', partitions: 1, replicationFactor: 1 });
    const admin2 = sdk(2, 'admin').securityAdmin();
    const acl = { principal: 'User:alice', resourceType: 'topic' as const, resourceName: 'shared', operation: 'describe' as const, permission: 'allow' as const };
    const alice1 = sdk(1, 'alice').admin();
    expect(await alice1.listTopics()).not.toContain('shared');
    await admin2.createAcls([acl]);
    const allowMs = await within('the ACL applying on broker 1', PROPAGATION_MS_MAX, async () => (await alice1.listTopics()).includes('shared'));
    expect(await admin2.deleteAcls([{ principal: 'User:alice', resourceType: 'topic', resourceName: 'shared' }])).toHaveLength(1);
    const denyMs = await within('the removal applying on broker 1', PROPAGATION_MS_MAX, async () => !(await alice1.listTopics()).includes('shared'));
    await expect(alice1.describeTopic('shared')).rejects.toMatchObject({ name: 'TopicAuthorizationFailedError' });
    console.log(JSON.stringify({ aclAllowPropagationMs: Math.round(allowMs), aclDenyPropagationMs: Math.round(denyMs) }));
  });

  it('a quota set through broker 3 shows on broker 1 within a second', async () => {
    await sdk(3, 'admin').securityAdmin().alterQuotas({ user: 'alice' }, { producerByteRate: 123_456 });
    const admin1 = sdk(1, 'admin').securityAdmin();
    await within('the quota on broker 1', PROPAGATION_MS_MAX, async () =>
      (await admin1.describeQuotas()).some((q) => q.entity.user === 'alice' && q.values.producerByteRate === 123_456));
  });

  it('two brokers creating users at the same moment both succeed (atomic compare-and-swap, retried)', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `u${i}`);
    const admins = [sdk(1, 'admin'), sdk(2, 'admin'), sdk(3, 'admin')].map((c) => c.securityAdmin());
    await Promise.all(names.map((n, i) => admins[i % 3]!.createUser(n, `${n}-pw`, { mechanism: 'SCRAM-SHA-512' })));
    await within('every user on broker 2', PROPAGATION_MS_MAX, async () => {
      const listed = new Set((await admins[1]!.listUsers()).map((u) => u.name));
      return names.every((n) => listed.has(n));
    });
    for (const n of names) expect(await canLogIn((names.indexOf(n) + 1) % 3 + 1, n), n).toBe(true);
  });
});
