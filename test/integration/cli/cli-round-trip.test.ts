import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

describe('strata CLI against a broker child process', () => {
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startBrokerProcess();
  });

  afterAll(async () => {
    await broker?.stop();
    await removeDir(broker.dataDir);
  });

  const cli = (args: string[], input?: string) => runCli([...args, '--broker', broker.url], input);

  it('round-trips produce → consume -e --format json with keys', async () => {
    expect((await cli(['topic', 'create', 'orders', '--partitions', '3'])).code).toBe(0);
    const lines = Array.from({ length: 500 }, (_, i) => `user-${i % 7}:order ${i}`);
    const produced = await cli(['produce', 'orders', '--key-separator', ':'], `${lines.join('\n')}\n`);
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toContain('produced 500 record(s)');

    const consumed = await cli(['consume', 'orders', '-e', '--format', 'json']);
    expect(consumed.code, consumed.stderr).toBe(0);
    const records = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as {
      partition: number; offset: number; key: string; value: string; timestamp: number;
    });
    expect(records).toHaveLength(500);
    expect(new Set(records.map((r) => r.value))).toEqual(new Set(lines.map((l) => l.split(':')[1])));
    // Same key → same partition, and offsets dense per partition.
    const partitionOfKey = new Map<string, number>();
    for (const r of records) {
      expect(partitionOfKey.get(r.key) ?? r.partition).toBe(r.partition);
      partitionOfKey.set(r.key, r.partition);
    }
    for (const p of [0, 1, 2]) {
      const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('produces with each --compression codec and reads the records back; refuses an unknown codec', async () => {
    await cli(['topic', 'create', 'packed']);
    const expected: string[] = [];
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 30 }, (_, i) => `${codec} line ${i}`);
      expected.push(...lines);
      const produced = await cli(['produce', 'packed', '--compression', codec], `${lines.join('\n')}\n`);
      expect(produced.code, produced.stderr).toBe(0);
    }
    const consumed = await cli(['consume', 'packed', '-e']);
    expect(consumed.stdout.trim().split('\n')).toEqual(expected);
    const bad = await cli(['produce', 'packed', '--compression', 'brotli'], 'x\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--compression must be one of none, gzip, snappy, lz4, zstd');
  });

  it('consumes from an offset of one partition, and -n stops early', async () => {
    await cli(['topic', 'create', 'seq']);
    await cli(['produce', 'seq'], Array.from({ length: 20 }, (_, i) => `v${i}`).join('\n'));
    const fromTen = await cli(['consume', 'seq', '--partition', '0', '--offset', '10', '-e']);
    expect(fromTen.stdout.trim().split('\n')).toEqual(Array.from({ length: 10 }, (_, i) => `v${i + 10}`));
    const firstThree = await cli(['consume', 'seq', '-n', '3']);
    expect(firstThree.stdout.trim().split('\n')).toEqual(['v0', 'v1', 'v2']);
    const atEnd = await cli(['consume', 'seq', '--offset', 'latest', '-e']);
    expect(atEnd.code).toBe(0);
    expect(atEnd.stdout).toBe('');
    // Past the end is an error with the valid range, not a silent empty success.
    const pastEnd = await cli(['consume', 'seq', '--offset', '99', '-e']);
    expect(pastEnd.code).toBe(1);
    expect(pastEnd.stderr).toMatch(/^strata: OffsetOutOfRangeError: .*\[0, 20\]/);
  });

  it('lists and describes topics, then deletes one', async () => {
    await cli(['topic', 'create', 'to-delete', '-p', '2']);
    const list = await cli(['topic', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout)).toContain('to-delete');
    const describe = await cli(['topic', 'describe', 'to-delete', '--format', 'json']);
    expect(JSON.parse(describe.stdout).partitions).toHaveLength(2);
    expect((await cli(['topic', 'delete', 'to-delete'])).code).toBe(0);
    expect(JSON.parse((await cli(['topic', 'list', '--format', 'json'])).stdout)).not.toContain('to-delete');
  });

  it('fails with one line and a non-zero code for an unknown topic, a bad name and bad arguments', async () => {
    const unknown = await cli(['consume', 'no-such-topic', '-e']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^strata: UnknownTopicError/)]);

    const badName = await cli(['topic', 'create', '../escape']);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/InvalidTopicNameError/);

    const badArg = await cli(['consume', 'seq', '--offset', 'soon']);
    expect(badArg.code).toBe(2);
    expect(badArg.stderr).toMatch(/--offset must be a non-negative integer/);
  });

  it('consume --group resumes where the group left off, and group describe shows the lag', async () => {
    await cli(['topic', 'create', 'grouped', '-p', '2']);
    await cli(['produce', 'grouped'], Array.from({ length: 30 }, (_, i) => `g${i}`).join('\n'));
    const first = await cli(['consume', 'grouped', '--group', 'readers', '-e']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').sort()).toEqual(Array.from({ length: 30 }, (_, i) => `g${i}`).sort());

    await cli(['produce', 'grouped'], 'late-1\nlate-2\n');
    const described = await cli(['group', 'describe', 'readers', '--format', 'json']);
    const lag = (JSON.parse(described.stdout) as { partitions: Array<{ lag: number }> }).partitions.reduce((n, p) => n + p.lag, 0);
    expect(lag).toBe(2);

    const second = await cli(['consume', 'grouped', '--group', 'readers', '-e']);
    expect(second.stdout.trim().split('\n').sort()).toEqual(['late-1', 'late-2']);
    const bad = await cli(['consume', 'grouped', '--group', 'readers', '--partition', '0']);
    expect(bad.code).toBe(2);
  });

  it('reports an unreachable broker as a one-line error', async () => {
    const res = await runCli(['topic', 'list', '--broker', 'ws://127.0.0.1:1']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^strata: /);
  });

  it('survives a restart: SIGTERM exits 0 and the data is replayed', async () => {
    await cli(['topic', 'create', 'durable']);
    await cli(['produce', 'durable'], 'a\nb\nc\n');
    expect(await broker.stop()).toBe(0);
    broker = await startBrokerProcess([], broker.dataDir);
    const res = await cli(['consume', 'durable', '-e']);
    expect(res.stdout).toBe('a\nb\nc\n');
  });
});
