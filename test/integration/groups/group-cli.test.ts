/**
 * `strata group list|describe|reset|delete` through the real CLI, against a broker child process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess, type CommandResult } from '../../helpers/cli.js';
import { fill } from './group-helpers.js';

let broker: BrokerProcess;

/** The real `strata` CLI, pointed at this file's broker. */
function cli(args: string[]): Promise<CommandResult> {
  return runCli([...args, '--broker', broker.url]);
}

beforeAll(async () => {
  broker = await startBrokerProcess();
  const strata = new Strata({ brokers: broker.url });
  await strata.admin().createTopic({ name: 'events', partitions: 2 });
  await fill(strata, 'events', 2, 40);
  await strata.groupAdmin().commitOffsets('billing', [{ topic: 'events', partition: 0, offset: 30 }]);
  await strata.close();
});

afterAll(async () => {
  await broker?.stop();
  await removeDir(broker.dataDir);
});

it('lists groups and describes committed offsets, end offsets and lag', async () => {
  const list = await cli(['group', 'list']);
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toMatch(/^GROUP\s+STATE\s+STRATEGY\s+MEMBERS\nbilling\s+empty\s+-\s+0\n$/);

  const described = await cli(['group', 'describe', 'billing']);
  expect(described.code, described.stderr).toBe(0);
  expect(described.stdout).toContain('group billing: empty, 0 member(s)');
  expect(described.stdout).toMatch(/events\s+0\s+30\s+40\s+10\s+-/);

  const json = JSON.parse((await cli(['group', 'describe', 'billing', '--format', 'json'])).stdout) as { partitions: Array<{ lag: number }> };
  expect(json.partitions.map((p) => p.lag)).toEqual([10, -1]);
});

it('resets to earliest, an offset and a time, with a dry run first', async () => {
  const reset = async (...args: string[]) => {
    const r = await cli(['group', 'reset', 'billing', '--topic', 'events', ...args, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Array<{ partition: number; previousOffset: number; offset: number }>;
  };
  expect(await reset('--to', 'earliest', '--dry-run')).toEqual([
    { partition: 0, previousOffset: 30, offset: 0, error: null }, { partition: 1, previousOffset: -1, offset: 0, error: null },
  ]);
  // The dry run changed nothing: the next reset still sees 30 as the previous offset.
  expect(await reset('--to', '12', '--partition', '1', '--partition', '0')).toEqual([
    { partition: 1, previousOffset: -1, offset: 12, error: null }, { partition: 0, previousOffset: 30, offset: 12, error: null },
  ]);
  const future = new Date(Date.now() + 60_000).toISOString();
  expect((await reset('--to', future)).map((r) => [r.previousOffset, r.offset])).toEqual([[12, 40], [12, 40]]);

  const bad = await cli(['group', 'reset', 'billing', '--topic', 'events', '--to', 'yesterday-ish']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--to must be');
});

it('refuses to reset a group with members, and deletes an empty one', async () => {
  const strata = new Strata({ brokers: broker.url });
  const member = strata.consumer({ groupId: 'busy', autoOffsetReset: 'earliest' });
  await member.subscribe('events');
  const refused = await cli(['group', 'reset', 'busy', '--topic', 'events', '--to', 'latest']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('GroupNotEmptyError');
  const described = await cli(['group', 'describe', 'busy']);
  expect(described.stdout).toContain('group busy: stable, 1 member(s), strategy cooperative-sticky, generation 1');
  await strata.close();

  const deleted = await cli(['group', 'delete', 'billing']);
  expect(deleted.code, deleted.stderr).toBe(0);
  const missing = await cli(['group', 'describe', 'billing']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('GroupIdNotFoundError');
});
