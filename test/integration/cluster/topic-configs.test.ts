/**
 * Topic settings in a cluster (issue 15): `strata topic alter` on any broker changes the topic's
 * etcd record, every broker applies it to its replicas (a compacted topic refuses keyless
 * records at every partition's leader), `topic describe` on any broker shows it, and it survives
 * a broker's restart. Three real broker processes and a real etcd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerCluster, type BrokerCluster } from '../../cluster/harness/broker-cluster.js';
import { until } from '../../cluster/harness/nodes.js';
import { runCli } from '../../helpers/cli.js';
import { Strata } from '../../../client/index.js';
import { InvalidRecordBatchError } from '../../../proto/errors.js';

interface Setting { name: string; value: string; source: string }

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

/** `topic describe` through broker `id` alone: setting name → value and source. */
async function settingsVia(id: number, topic: string): Promise<Map<string, Setting>> {
  const res = await runCli(['topic', 'describe', topic, '--format', 'json', '--broker', cluster.url(id)]);
  expect(res.code, res.stderr).toBe(0);
  const { settings } = JSON.parse(res.stdout) as { settings: Setting[] };
  return new Map(settings.map((s) => [s.name, s]));
}

/**
 * Sends one keyless record to each partition through a fresh SDK client on the bootstrap list
 * (so each goes to that partition's leader, as `strata produce` does; the waits poll this, and a
 * CLI process per partition per poll cost ~1 s each); returns per partition 'ok' or the error.
 */
async function keylessOutcomes(partitions: number): Promise<string[]> {
  const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 5, initialRetryTimeMs: 50, maxRetryTimeMs: 200 } });
  const producer = client.producer({ lingerMs: 0 });
  const out: string[] = [];
  try {
    for (let p = 0; p < partitions; p++) {
      try {
        await producer.send({ topic: 'cfg', messages: [{ value: 'no key', partition: p }] });
        out.push('ok');
      } catch (err) {
        out.push(err instanceof InvalidRecordBatchError ? 'InvalidRecordBatchError' : String(err));
      }
    }
  } finally {
    await client.close();
  }
  return out;
}

describe('topic settings in a cluster', () => {
  it('alter on broker 1 reaches every broker, describe on broker 3 shows it, and it survives broker 3\'s restart', async () => {
    const created = await cluster.cli(['topic', 'create', 'cfg', '--partitions', '3', '--replication-factor', '2']);
    expect(created.code, created.stderr).toBe(0);
    // Before the alter a keyless record is taken (cleanup.policy=delete).
    expect(await keylessOutcomes(1)).toEqual(['ok']);

    const altered = await runCli(['topic', 'alter', 'cfg', '--set', 'cleanup.policy=compact', '--set', 'retention.ms=7200000', '--broker', cluster.url(1)]);
    expect(altered.code, altered.stderr).toBe(0);
    for (const id of [3, 2, 1]) {
      const s = await settingsVia(id, 'cfg');
      expect(s.get('cleanup.policy'), `broker ${id}`).toMatchObject({ value: 'compact', source: 'topic' });
      expect(s.get('retention.ms'), `broker ${id}`).toMatchObject({ value: '7200000', source: 'topic' });
    }
    // Every partition's leader (placement spreads them over the three brokers) applies it.
    await until(async () => (await keylessOutcomes(3)).every((o) => o === 'InvalidRecordBatchError'), 10_000, 'every leader to refuse keyless records');

    await cluster.kill(3);
    await cluster.restart(3);
    const after = await settingsVia(3, 'cfg');
    expect(after.get('cleanup.policy')).toMatchObject({ value: 'compact', source: 'topic' });
    expect(after.get('retention.ms')).toMatchObject({ value: '7200000', source: 'topic' });
    await until(async () => (await keylessOutcomes(3)).every((o) => o === 'InvalidRecordBatchError'), 20_000, 'every leader to refuse keyless records after the restart');

    // --delete on broker 2 sends the setting back to the broker's value everywhere.
    const reset = await runCli(['topic', 'alter', 'cfg', '--delete', 'retention.ms', '--broker', cluster.url(2)]);
    expect(reset.code, reset.stderr).toBe(0);
    expect((await settingsVia(1, 'cfg')).get('retention.ms')).toMatchObject({ source: 'default' });
    expect((await settingsVia(3, 'cfg')).get('retention.ms')).toMatchObject({ source: 'default' });
  }, 180_000);

  it('refuses a bad change whole on any broker, and an unknown topic', async () => {
    const bad = await runCli(['topic', 'alter', 'cfg', '--set', 'segment.bytes=lots', '--broker', cluster.url(2)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('InvalidConfigError');
    expect((await settingsVia(3, 'cfg')).get('segment.bytes')).toMatchObject({ source: 'default' });
    const unknown = await runCli(['topic', 'alter', 'nope', '--set', 'retention.ms=1000', '--broker', cluster.url(3)]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('UnknownTopicError');
  });
});
