/**
 * `strata consume TOPIC`: prints records from an offset, a time, the start or the end. With
 * `-e` it stops at the end offsets seen when it started (like kcat -e); with `-n` after N
 * records; otherwise it follows new records until interrupted.
 */
import type { Command } from 'commander';
import type { Assignment, ConsumerRecord, Strata } from '../../../client/index.js';
import { parseChoice, parseOffsetSpec, parsePositiveInt, parseNonNegativeInt, parseTime, type OffsetSpec } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail, writeOut } from '../output.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { openGroupConsumer } from './group.js';
import { asBuffer } from '../../../proto/as-buffer.js';

interface ConsumeOptions extends BrokerOption {
  partition?: number;
  offset: OffsetSpec;
  fromTime?: number;
  maxMessages?: number;
  exitAtEnd?: boolean;
  format: 'text' | 'json';
  group?: string;
}

export function registerConsumeCommand(program: Command): void {
  addBrokerOption(program.command('consume <topic>')
    .description('print records of a topic')
    .option('-p, --partition <n>', 'only this partition (default: all)', parseNonNegativeInt('--partition'))
    .option('-o, --offset <offset>', 'start at an offset, earliest or latest', parseOffsetSpec, 'earliest')
    .option('--from-time <time>', 'start at the first record at or after this time (ISO 8601 or epoch ms)', parseTime)
    .option('-n, --max-messages <n>', 'stop after N records', parsePositiveInt('--max-messages'))
    .option('-e, --exit-at-end', 'stop at the end offsets seen at start')
    .option('--format <format>', 'text (value per line) or json (one object per line)',
      parseChoice('--format', ['text', 'json'] as const), 'text')
    .option('-g, --group <group>', 'consume as a member of this group: share partitions, resume from and commit offsets'))
    .action(async (topic: string, opts: ConsumeOptions) => {
      await withClient(opts, (client) => (opts.group === undefined ? consume(client, topic, opts) : consumeInGroup(client, topic, opts)))
        .catch(fail);
    });
}

async function consume(client: Strata, topic: string, opts: ConsumeOptions): Promise<void> {
  const admin = client.admin();
  const description = await admin.describeTopic(topic);
  const partitions = opts.partition === undefined
    ? description.partitions.map((p) => p.partition)
    : [opts.partition];
  const start = opts.fromTime === undefined ? opts.offset : { timestamp: opts.fromTime };
  const consumer = client.consumer({ decode: 'utf8' });
  const assignments: Assignment[] = partitions.map((partition) => ({ topic, partition, offset: start }));
  await consumer.assign(assignments);

  // -e: the end of each partition as it is now; partitions starting exactly there are done. One
  // starting past its end is not: its fetch must run and raise OffsetOutOfRangeError rather
  // than the command exiting 0 having silently skipped nothing.
  const remaining = new Map<number, number>();
  if (opts.exitAtEnd) {
    for (const partition of partitions) {
      const { offset: end } = await admin.listOffsets(topic, partition, 'latest');
      if (consumer.position({ topic, partition }) !== end) remaining.set(partition, end);
    }
    if (remaining.size === 0) {
      await consumer.close();
      return;
    }
  }

  let stop = false;
  const onSignal = () => { stop = true; void consumer.close(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let printed = 0;
  try {
    for await (const record of consumer) {
      if (stop) break;
      const out = writeOut(format(record, opts.format));
      if (out) await out;
      printed++;
      if (opts.maxMessages !== undefined && printed >= opts.maxMessages) break;
      if (opts.exitAtEnd) {
        const end = remaining.get(record.partition);
        if (end !== undefined && record.offset + 1 >= end) remaining.delete(record.partition);
        if (remaining.size === 0) break;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await consumer.close();
  }
}

/**
 * `--group`: partitions come from the group, and start at the group's committed offsets (or, for
 * partitions it has none for, at --offset earliest|latest). Closing commits what was printed and
 * leaves the group, so the next run resumes after it. With -e it stops once every partition
 * this member holds has reached the end it had at start.
 */
async function consumeInGroup(client: Strata, topic: string, opts: ConsumeOptions): Promise<void> {
  if (opts.partition !== undefined || typeof opts.offset === 'number' || opts.fromTime !== undefined) {
    throw new InvalidConfigError('--group takes partitions and offsets from the group: drop --partition, a numeric --offset and --from-time');
  }
  const admin = client.admin();
  const description = await admin.describeTopic(topic);
  const ends = new Map<number, number>();
  if (opts.exitAtEnd) {
    for (const p of description.partitions) ends.set(p.partition, (await admin.listOffsets(topic, p.partition, 'latest')).offset);
  }
  const consumer = await openGroupConsumer(client, opts.group!, [topic], opts.offset === 'latest' ? 'latest' : 'earliest');
  const atEnd = () => consumer.assignment().every((tp) => consumer.position(tp) >= (ends.get(tp.partition) ?? 0));

  let stop = false;
  const onSignal = () => { stop = true; void consumer.close(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let printed = 0;
  try {
    if (opts.exitAtEnd && atEnd()) return;
    for await (const record of consumer) {
      if (stop) break;
      const out = writeOut(format(record, opts.format));
      if (out) await out;
      printed++;
      if (opts.maxMessages !== undefined && printed >= opts.maxMessages) break;
      if (opts.exitAtEnd && atEnd()) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await consumer.close();
  }
}

function format(r: ConsumerRecord<string>, how: 'text' | 'json'): string {
  if (how === 'text') return `${r.value ?? ''}\n`;
  return `${JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value === null ? null : asBuffer(h.value).toString('utf8')])),
  })}\n`;
}
