/**
 * Produce byte-rate quotas through the throttle hook, on a real broker with real SDK producers:
 * a principal over its quota is held to it (within 10% over 10 s) while another principal keeps
 * its full throughput, and every acknowledged record is in the log; `strata quota set|list`.
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

const QUOTA_BYTES_PER_S = 200_000;
const RUN_MS = 10_000;
const RECORD_BYTES = 1_000;

let b: TestBroker;
const clients: Strata[] = [];
const sdk = (user: string) => {
  const c = new Strata({ brokers: b.url, sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: `${user}-pw` } });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-quota-'));
  const store = await FileCredentialStore.open(dataDir);
  for (const u of ['alice', 'bob']) await store.put(u, scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: `${u}-pw` }), 'create');
  b = await startTestBroker({ dataDir, log: { flushPolicy: 'never' }, security: { auth: 'scram', superUsers: ['alice', 'bob'] } });
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await b?.stop();
});

/** Sends 1 kB records for RUN_MS, a few sends in flight; returns the records acknowledged. */
async function produceFor(client: Strata, topic: string, untilMs: number): Promise<number> {
  const producer = client.producer({ batchBytesMax: 16_384, lingerMs: 1 });
  const value = Buffer.alloc(RECORD_BYTES, 0x61);
  let acked = 0;
  const loop = async () => {
    while (Date.now() < untilMs) {
      await producer.send({ topic, messages: Array.from({ length: 10 }, () => ({ value })) });
      acked += 10;
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
  return acked;
}

describe('quotas', () => {
  it('holds a producer over its byte-rate quota to it while another principal keeps full speed, losing nothing', async () => {
    const cli = await runCli(['quota', 'set', '--broker', b.url, '--user', 'alice', '--password', 'alice-pw', '--for-user', 'alice',
      '--producer-byte-rate', String(QUOTA_BYTES_PER_S)]);
    expect(cli.stderr).toBe('quota updated\n');
    const listed = await runCli(['quota', 'list', '--broker', b.url, '--user', 'alice', '--password', 'alice-pw', '--format', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([{ entity: { user: 'alice' }, values: { producerByteRate: QUOTA_BYTES_PER_S } }]);

    const alice = sdk('alice');
    const bob = sdk('bob');
    await alice.admin().createTopic({ name: 'slow', partitions: 1 });
    await alice.admin().createTopic({ name: 'fast', partitions: 1 });
    const started = Date.now();
    const until = started + RUN_MS;
    const [slow, fast] = await Promise.all([produceFor(alice, 'slow', until), produceFor(bob, 'fast', until)]);
    const elapsedS = (Date.now() - started) / 1000;
    const slowRate = (slow * RECORD_BYTES) / elapsedS;
    const fastRate = (fast * RECORD_BYTES) / elapsedS;
    console.log(JSON.stringify({ slowBytesPerS: Math.round(slowRate), fastBytesPerS: Math.round(fastRate), quota: QUOTA_BYTES_PER_S, elapsedS }));
    // Record bytes are ~95% of the produce frames the quota counts, so the record rate sits a
    // little under the quota; within 10% either way.
    expect(slowRate).toBeGreaterThan(QUOTA_BYTES_PER_S * 0.85);
    expect(slowRate).toBeLessThan(QUOTA_BYTES_PER_S * 1.1);
    expect(fastRate).toBeGreaterThan(QUOTA_BYTES_PER_S * 3);
    expect(b.broker.security!.stats.responsesThrottled).toBeGreaterThan(0);

    const offsets = await alice.admin().listOffsets('slow', 0, 'latest');
    expect(offsets.offset).toBe(slow);
  }, 60_000);
});
