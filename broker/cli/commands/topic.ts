/**
 * `strata topic create|list|describe|alter|delete` (alter: topic-alter.ts).
 */
import type { Command } from 'commander';
import type { FlushPolicy, TopicDescription } from '../../../client/index.js';
import { parseChoice, parseIntOrUnlimited, parsePositiveInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail, writeOut } from '../output.js';
import { registerTopicAlterCommand, settingsRows } from './topic-alter.js';

interface FormatOption {
  format: 'text' | 'json';
}

const formatOption = parseChoice('--format', ['text', 'json'] as const);

export function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('create, list, describe, alter and delete topics');

  addBrokerOption(topic.command('create <name>')
    .description('create a topic')
    .option('-p, --partitions <n>', 'number of partitions', parsePositiveInt('--partitions'), 1)
    .option('--retention-ms <ms>', 'delete segments older than this (-1: forever)', parseIntOrUnlimited('--retention-ms'))
    .option('--retention-bytes <bytes>', 'keep at most this much per partition (-1: unlimited)', parseIntOrUnlimited('--retention-bytes'))
    .option('--segment-bytes <bytes>', 'segment size', parsePositiveInt('--segment-bytes'))
    .option('--segment-ms <ms>', 'roll segments this old', parsePositiveInt('--segment-ms'))
    .option('--flush <policy>', 'always, interval or never (default: the broker\'s)',
      parseChoice('--flush', ['always', 'interval', 'never'] as const))
    .option('--flush-interval-ms <ms>', 'fsync period under --flush interval', parsePositiveInt('--flush-interval-ms'))
    .option('-r, --replication-factor <n>', 'replicas of each partition (a cluster of at least that many live brokers)',
      parsePositiveInt('--replication-factor'), 1)
    .option('--min-insync-replicas <n>', 'in-sync replicas an acks=all produce needs (default: min(2, replication factor))',
      parsePositiveInt('--min-insync-replicas')))
    .action(async (name: string, opts: BrokerOption & {
      partitions: number; replicationFactor: number; minInsyncReplicas?: number; retentionMs?: number; retentionBytes?: number; segmentBytes?: number; segmentMs?: number;
      flush?: FlushPolicy; flushIntervalMs?: number;
    }) => {
      await withClient(opts, async (client) => {
        await client.admin().createTopic({
          name,
          partitions: opts.partitions,
          replicationFactor: opts.replicationFactor,
          minInsyncReplicas: opts.minInsyncReplicas,
          config: {
            retentionMs: opts.retentionMs,
            retentionBytes: opts.retentionBytes,
            segmentBytes: opts.segmentBytes,
            segmentMs: opts.segmentMs,
            flushPolicy: opts.flush,
            flushIntervalMs: opts.flushIntervalMs,
          },
        });
        process.stderr.write(`created topic ${name} with ${opts.partitions} partition(s), replication factor ${opts.replicationFactor}\n`);
      }).catch(fail);
    });

  addBrokerOption(topic.command('list')
    .description('list topics')
    .option('--format <format>', 'text or json', formatOption, 'text'))
    .action(async (opts: BrokerOption & FormatOption) => {
      await withClient(opts, async (client) => {
        const names = (await client.admin().listTopics()).sort();
        await writeOut(opts.format === 'json' ? `${JSON.stringify(names)}\n` : names.map((n) => `${n}\n`).join(''));
      }).catch(fail);
    });

  addBrokerOption(topic.command('describe <name>')
    .description('per partition: leader, leader epoch, replicas, ISR, offline replicas, and the answering broker\'s log start, end, bytes and segments; every setting with its source')
    .option('--format <format>', 'text or json', formatOption, 'text'))
    .action(async (name: string, opts: BrokerOption & FormatOption) => {
      await withClient(opts, async (client) => {
        const admin = client.admin();
        const [description, settings] = await Promise.all([admin.describeTopic(name), admin.describeTopicConfig(name)]);
        await writeOut(opts.format === 'json'
          ? `${JSON.stringify({ ...description, settings })}\n`
          : `${describeText(description)}\n${table(['SETTING', 'VALUE', 'SOURCE'], settingsRows(settings))}\n`);
      }).catch(fail);
    });

  registerTopicAlterCommand(topic);

  addBrokerOption(topic.command('delete <name>').description('delete a topic and its data'))
    .action(async (name: string, opts: BrokerOption) => {
      await withClient(opts, async (client) => {
        await client.admin().deleteTopic(name);
        process.stderr.write(`deleted topic ${name}\n`);
      }).catch(fail);
    });
}

function describeText(d: TopicDescription): string {
  const c = d.config;
  const lines = [
    `topic ${d.name}: ${d.partitions.length} partition(s), replication factor ${d.replicationFactor}, min.insync.replicas ${d.minInsyncReplicas}, `
      + `flush ${c.flushPolicy}, retention ${c.retentionMs} ms / ${c.retentionBytes} bytes, segment ${c.segmentBytes} bytes`,
    // START..SEGMENTS are the answering broker's own replica (-1: it holds none).
    table(['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE', 'START', 'END', 'BYTES', 'SEGMENTS'],
      d.partitions.map((p) => [
        String(p.partition), p.leader < 0 ? 'none' : String(p.leader), String(p.leaderEpoch), ids(p.replicas), ids(p.isr), ids(p.offlineReplicas),
        ...[p.logStartOffset, p.logEndOffset, p.sizeBytes, p.segmentCount].map(String),
      ])),
  ];
  return `${lines.join('\n')}\n`;
}

function ids(list: readonly number[]): string {
  return list.length === 0 ? '-' : list.join(',');
}

/** Left-aligned columns, as `kafka-topics --describe` and `rpk` print them. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
