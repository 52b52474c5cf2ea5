import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

describe('strata broker start: storage cache budgets', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    if (broker) await removeDir(broker.dataDir);
    broker = undefined;
  });

  it('serves produce → consume with both caches turned off', async () => {
    broker = await startBrokerProcess(['--tail-cache-bytes', '0', '--index-cache-bytes', '0', '--segment-bytes', '16384']);
    const cli = (args: string[], input?: string) => runCli([...args, '--broker', broker!.url], input);
    expect((await cli(['topic', 'create', 'nocache'])).code).toBe(0);
    const lines = Array.from({ length: 400 }, (_, i) => `value ${i} ${'x'.repeat(80)}`);
    // Four produce runs of ~9 KiB each: a batch apiece, and the log rolls past 16 KiB segments.
    for (let i = 0; i < 400; i += 100) {
      const produced = await cli(['produce', 'nocache'], `${lines.slice(i, i + 100).join('\n')}\n`);
      expect(produced.code, produced.stderr).toBe(0);
    }
    const consumed = await cli(['consume', 'nocache', '-e']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(lines);
    const fromMiddle = await cli(['consume', 'nocache', '--partition', '0', '--offset', '250', '-n', '3']);
    expect(fromMiddle.stdout.trim().split('\n')).toEqual(lines.slice(250, 253));
  });

  it('refuses a per-partition tail cache larger than the broker-wide one, and a negative budget', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-memflags-'));
    try {
      const tooBig = await runCli(['broker', 'start', '--data-dir', dir, '--port', '0', '--tail-cache-bytes', '1024', '--tail-cache-partition-bytes', '4096']);
      expect(tooBig.code).not.toBe(0);
      expect(tooBig.stderr).toMatch(/InvalidConfigError: memory\.tailCachePartitionBytes \(4096\) must not exceed memory\.tailCacheBytes \(1024\)/);
      const negative = await runCli(['broker', 'start', '--data-dir', dir, '--port', '0', '--index-cache-bytes', '-1']);
      expect(negative.code).not.toBe(0);
      expect(negative.stderr).toMatch(/--index-cache-bytes/);
    } finally {
      await removeDir(dir);
    }
  });
});
