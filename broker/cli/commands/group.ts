/**
 * `strata group list|describe|reset|delete`: consumer groups, their lag, and moving their
 * committed offsets. Also `openGroupConsumer` for `strata consume --group`.
 */
import type { Command } from 'commander';
import type {
  GroupConsumer, GroupDescription, GroupListing, ResetOffsetsResult, ResetOffsetsSpec, Strata,
} from '../../../client/index.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { parseChoice, parseNonNegativeInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { describeError, fail, writeOut } from '../output.js';
import { table } from './topic.js';

interface FormatOption {
  format: 'text' | 'json';
}

interface ResetOptions extends BrokerOption, FormatOption {
  topic: string;
  to: ResetOffsetsSpec;
  partition?: number[];
  dryRun?: boolean;
}

const formatOption = parseChoice('--format', ['text', 'json'] as const);

/**
 * `--to` of `group reset`: earliest, latest, an offset (digits), or a time (ISO 8601, e.g.
 * 2024-05-01T12:00:00Z). Epoch milliseconds would read as an offset, so times must be dates.
 */
export function parseResetTarget(raw: string): ResetOffsetsSpec {
  const value = raw.trim();
  if (value === 'earliest' || value === 'latest') return value;
  if (/^\d+$/.test(value)) return parseNonNegativeInt('--to')(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidConfigError(`--to must be earliest, latest, an offset or an ISO 8601 time, got '${raw}'`);
  return { timestamp: ms };
}

function collectPartition(raw: string, previous: number[] = []): number[] {
  return [...previous, parseNonNegativeInt('--partition')(raw)];
}

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('list, describe and reset consumer groups');

  addBrokerOption(group.command('list')
    .description('list consumer groups (with members or committed offsets)')
    .option('--format <format>', 'text or json', formatOption, 'text'))
    .action(async (opts: BrokerOption & FormatOption) => {
      await withClient(opts, async (client) => {
        const groups = await client.groupAdmin().listGroups();
        await writeOut(opts.format === 'json' ? `${JSON.stringify(groups)}\n` : listText(groups));
      }).catch(fail);
    });

  addBrokerOption(group.command('describe <group>')
    .description('per partition: committed offset, log end offset, lag, owning member')
    .option('--format <format>', 'text or json', formatOption, 'text'))
    .action(async (groupId: string, opts: BrokerOption & FormatOption) => {
      await withClient(opts, async (client) => {
        const d = await client.groupAdmin().describeGroup(groupId);
        await writeOut(opts.format === 'json' ? `${JSON.stringify(d)}\n` : describeText(d));
      }).catch(fail);
    });

  addBrokerOption(group.command('reset <group>')
    .description('move a group\'s committed offsets for a topic (only while the group has no members)')
    .requiredOption('--topic <topic>', 'the topic whose offsets move')
    .requiredOption('--to <target>', 'earliest, latest, an offset, or an ISO 8601 time', parseResetTarget)
    .option('--partition <n>', 'only this partition (repeatable; default: all)', collectPartition)
    .option('--dry-run', 'print the new offsets without committing them')
    .option('--format <format>', 'text or json', formatOption, 'text'))
    .action(async (groupId: string, opts: ResetOptions) => {
      await withClient(opts, async (client) => {
        const results = await client.groupAdmin().resetOffsets(groupId, opts.topic, opts.to, {
          partitions: opts.partition, dryRun: opts.dryRun ?? false,
        });
        await writeOut(opts.format === 'json'
          ? `${JSON.stringify(results.map((r) => ({ ...r, error: r.error ? describeError(r.error) : null })))}\n`
          : resetText(opts.topic, results));
        const failed = results.find((r) => r.error);
        if (failed) throw failed.error;
        if (!opts.dryRun) process.stderr.write(`reset ${results.length} partition(s) of ${opts.topic} for group ${groupId}\n`);
      }).catch(fail);
    });

  addBrokerOption(group.command('delete <groups...>')
    .description('delete groups without members (their committed offsets)'))
    .action(async (groupIds: string[], opts: BrokerOption) => {
      await withClient(opts, async (client) => {
        const results = await client.groupAdmin().deleteGroups(groupIds);
        for (const r of results) {
          if (r.error) throw r.error;
          process.stderr.write(`deleted group ${r.groupId}\n`);
        }
      }).catch(fail);
    });
}

/**
 * For `strata consume --group G`: a member of `groupId` subscribed to `topics`, reading
 * strings. Partitions without a committed offset start at `from`. Close it when done: that
 * commits what was read and leaves the group, so the next run resumes there.
 */
export async function openGroupConsumer(
  client: Strata, groupId: string, topics: readonly string[], from: 'earliest' | 'latest' = 'earliest',
): Promise<GroupConsumer<string>> {
  const consumer = client.consumer({ groupId, decode: 'utf8', autoOffsetReset: from });
  try {
    await consumer.subscribe(topics);
  } catch (err) {
    await consumer.close().catch(() => undefined);
    throw err;
  }
  return consumer;
}

function listText(groups: GroupListing[]): string {
  if (groups.length === 0) return '';
  return `${table(['GROUP', 'STATE', 'STRATEGY', 'MEMBERS'],
    groups.map((g) => [g.groupId, g.state, g.strategy || '-', String(g.memberCount)]))}\n`;
}

function describeText(d: GroupDescription): string {
  const lag = d.partitions.reduce((sum, p) => sum + Math.max(0, p.lag), 0);
  const lines = [
    `group ${d.groupId}: ${d.state}, ${d.members.length} member(s), strategy ${d.strategy || '-'}, generation ${d.generationId}, total lag ${lag}`,
  ];
  if (d.partitions.length > 0) {
    lines.push(table(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'MEMBER'], d.partitions.map((p) => [
      p.topic, String(p.partition), p.committedOffset < 0 ? '-' : String(p.committedOffset),
      p.logEndOffset < 0 ? '-' : String(p.logEndOffset), p.lag < 0 ? '-' : String(p.lag), p.memberId || '-',
    ])));
  }
  if (d.members.length > 0) {
    lines.push('', table(['MEMBER', 'CLIENT', 'PARTITIONS'], d.members.map((m) => [
      m.memberId, m.clientId, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',') || '-',
    ])));
  }
  return `${lines.join('\n')}\n`;
}

function resetText(topic: string, results: ResetOffsetsResult[]): string {
  return `${table(['TOPIC', 'PARTITION', 'PREVIOUS', 'NEW', 'ERROR'], results.map((r) => [
    topic, String(r.partition), r.previousOffset < 0 ? '-' : String(r.previousOffset), String(r.offset),
    r.error ? describeError(r.error) : '',
  ]))}\n`;
}
