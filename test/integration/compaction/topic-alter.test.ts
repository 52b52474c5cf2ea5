/**
 * `strata topic alter` and `topic describe` against a real broker process: settings change
 * live (the next append rolls at the new segment size, a compacted topic refuses keyless
 * records at once), a bad change is refused whole, each setting names its source, and the
 * change survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

interface DescribedTopic {
  partitions: Array<{ segmentCount: number }>;
  settings: Array<{ name: string; value: string; source: string; synonyms: Array<{ name: string; value: string; source: string }> }>;
}

const BROKER_ARGS = ['--retention-ms', '3600000'];
let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess(BROKER_ARGS);
});

afterAll(async () => {
  await broker?.stop();
  if (broker) await removeDir(broker.dataDir);
});

const cli = (args: string[], input?: string) => runCli([...args, '--broker', broker.url], input);

async function described(name: string): Promise<{ topic: DescribedTopic; setting: (n: string) => DescribedTopic['settings'][number] }> {
  const res = await cli(['topic', 'describe', name, '--format', 'json']);
  expect(res.code, res.stderr).toBe(0);
  const topic = JSON.parse(res.stdout) as DescribedTopic;
  const byName = new Map(topic.settings.map((s) => [s.name, s]));
  return { topic, setting: (n) => byName.get(n)! };
}

describe('strata topic alter', () => {
  it('describe lists every setting with its value and source (default, broker, topic)', async () => {
    expect((await cli(['topic', 'create', 'settings', '--segment-bytes', '1048576'])).code).toBe(0);
    const text = await cli(['topic', 'describe', 'settings']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^SETTING\s+VALUE\s+SOURCE$/m);
    expect(text.stdout).toMatch(/^retention\.ms\s+3600000\s+broker$/m);
    expect(text.stdout).toMatch(/^segment\.bytes\s+1048576\s+topic$/m);
    expect(text.stdout).toMatch(/^cleanup\.policy\s+delete\s+default$/m);
    expect(text.stdout).toMatch(/^compression\.type\s+producer\s+default \(read-only\)$/m);
    const { setting } = await described('settings');
    expect(setting('retention.ms').synonyms.map((s) => s.source)).toEqual(['broker', 'default']);
  });

  it('applies a change live: the next appends roll at the new segment size, compaction refuses keyless records', async () => {
    const altered = await cli(['topic', 'alter', 'settings', '--set', 'segment.bytes=2048', '--set', 'cleanup.policy=compact']);
    expect(altered.code, altered.stderr).toBe(0);
    expect(altered.stderr).toContain('altered topic settings: set segment.bytes, set cleanup.policy');
    const keyless = await cli(['produce', 'settings'], 'no key here\n');
    expect(keyless.code).not.toBe(0);
    expect(keyless.stderr).toMatch(/every record needs a key/);
    // Eight appends of ~600 bytes each: with 2048-byte segments they must roll at least twice.
    const client = new Strata({ brokers: broker.url });
    try {
      const producer = client.producer();
      for (let run = 0; run < 8; run++) {
        await producer.send({ topic: 'settings', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `${'v'.repeat(40)}${run}` })) });
      }
      const records = await client.admin().listOffsets('settings', 0, 'latest');
      expect(records.offset).toBe(80);
    } finally {
      await client.close();
    }
    const { topic, setting } = await described('settings');
    expect(setting('segment.bytes')).toMatchObject({ value: '2048', source: 'topic' });
    expect(setting('cleanup.policy')).toMatchObject({ value: 'compact', source: 'topic' });
    expect(topic.partitions[0]!.segmentCount).toBeGreaterThan(2);
  });

  it('refuses a bad change whole, with a clear error, and changes nothing', async () => {
    const bad = await cli(['topic', 'alter', 'settings', '--set', 'retention.ms=5000', '--set', 'segment.bytes=lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('InvalidConfigError: segment.bytes must be an integer');
    const unknown = await cli(['topic', 'alter', 'settings', '--set', 'retention.forever=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown topic setting retention.forever');
    const missing = await cli(['topic', 'alter', 'no-such-topic', '--set', 'retention.ms=1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('UnknownTopicError');
    const dry = await cli(['topic', 'alter', 'settings', '--set', 'retention.ms=5000', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const { setting } = await described('settings');
    expect(setting('retention.ms')).toMatchObject({ value: '3600000', source: 'broker' });
    expect(setting('segment.bytes')).toMatchObject({ value: '2048', source: 'topic' });
  });

  it('--delete sends a setting back to the broker value; the settings survive a restart', async () => {
    const res = await cli(['topic', 'alter', 'settings', '--delete', 'segment.bytes', '--set', 'retention.ms=7200000']);
    expect(res.code, res.stderr).toBe(0);
    const before = await described('settings');
    expect(before.setting('segment.bytes').source).toBe('default');
    expect(before.setting('retention.ms')).toMatchObject({ value: '7200000', source: 'topic' });
    expect(await broker.stop()).toBe(0);
    broker = await startBrokerProcess(BROKER_ARGS, broker.dataDir);
    const after = await described('settings');
    expect(after.topic.settings).toEqual(before.topic.settings);
    expect(after.setting('cleanup.policy')).toMatchObject({ value: 'compact', source: 'topic' });
    const keyless = await cli(['produce', 'settings'], 'still no key\n');
    expect(keyless.code).not.toBe(0);
  });
});
