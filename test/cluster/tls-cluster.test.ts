/**
 * Two broker processes with mutual TLS (one certificate for both, CN=localhost, its DN a super
 * user) and a real etcd: brokers advertise wss:// URLs, followers replicate from their leader
 * over wss:// presenting their own certificate, and the SDK with a client certificate produces
 * acks=all to an RF=2 topic whose replicas end byte-identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { makeTestPki, type IssuedCert, type TestPki } from '../helpers/tls-certs.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let pki: TestPki;
let server: IssuedCert;
let admin: IssuedCert;
let cluster: BrokerCluster;

beforeAll(async () => {
  pki = await makeTestPki();
  [server, admin] = await Promise.all([
    pki.issue('broker', { subject: '/CN=localhost', server: true }),
    pki.issue('admin', { subject: '/CN=admin' }),
  ]);
  cluster = await startBrokerCluster({
    brokers: 2,
    args: ['--tls-cert', server.certFile, '--tls-key', server.keyFile, '--tls-ca', pki.caFile, '--super-users', 'User:CN=localhost,User:CN=admin'],
  });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await pki?.remove();
});

describe('a cluster over mutual TLS', () => {
  it('replicates over wss:// with the brokers\' own certificates', async () => {
    expect(cluster.url(1)).toMatch(/^wss:\/\//);
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 10 }, tls: { ca: await pki.ca(), cert: await admin.cert(), key: await admin.key() } });
    try {
      await client.admin().createTopic({ name: 'tls-rf2', partitions: 1, replicationFactor: 2 });
      const producer = client.producer({ acks: 'all' });
      const acked = await producer.send({ topic: 'tls-rf2', messages: Array.from({ length: 100 }, (_, i) => ({ value: `v${i}` })) });
      expect(acked).toHaveLength(100);
      await producer.close();
      await until(async () => {
        const [a, b] = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'tls-rf2', 0)));
        return a!.length > 0 && a!.equals(b!);
      }, 15_000, 'replicas of tls-rf2-0 to be byte-identical');
    } finally {
      await client.close();
    }
  }, 60_000);
});
