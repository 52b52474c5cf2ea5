/**
 * `strata produce TOPIC`: one record per stdin line. Exits 0 only after every record is
 * acknowledged (at the chosen acks), and prints the count to stderr.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Acks, CompressionName, ProducerMessage, RecordMetadata } from '../../../client/index.js';
import { COMPRESSION_NAMES } from '../../../proto/compression.js';
import { parseChoice, parseNonNegativeInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail } from '../output.js';

/** Lines handed to one send() call: large enough to fill batches, small enough to stream. */
const PRODUCE_LINES_PER_SEND = 1_000;
/** send() calls awaiting acknowledgement before reading more stdin (the SDK bounds bytes too). */
const PRODUCE_SENDS_IN_FLIGHT_MAX = 64;

interface ProduceOptions extends BrokerOption {
  partition?: number;
  key?: string;
  keySeparator?: string;
  acks: Acks;
  compression: CompressionName;
}

export function registerProduceCommand(program: Command): void {
  addBrokerOption(program.command('produce <topic>')
    .description('produce one record per line of stdin')
    .option('-p, --partition <n>', 'partition to write to (default: by key, sticky for null keys)', parseNonNegativeInt('--partition'))
    .option('-k, --key <key>', 'key for every record')
    .option('-K, --key-separator <sep>', 'split each line at the first SEP into key and value')
    .option('--acks <acks>', 'none, leader or all', parseChoice('--acks', ['none', 'leader', 'all'] as const), 'all')
    .option('-z, --compression <codec>', COMPRESSION_NAMES.join(', '), parseChoice('--compression', COMPRESSION_NAMES), 'none'))
    .action(async (topic: string, opts: ProduceOptions) => {
      await produce(topic, opts).catch(fail);
    });
}

async function produce(topic: string, opts: ProduceOptions): Promise<void> {
  await withClient(opts, async (client) => {
    const producer = client.producer({ acks: opts.acks, compression: opts.compression });
    const inFlight = new Set<Promise<RecordMetadata[]>>();
    let firstError: unknown;
    let count = 0;
    let chunk: ProducerMessage[] = [];

    const sendChunk = async () => {
      const messages = chunk;
      chunk = [];
      const p = producer.send({ topic, messages });
      inFlight.add(p);
      p.then(() => { count += messages.length; }, (err: unknown) => { firstError ??= err; })
        .finally(() => inFlight.delete(p));
      if (inFlight.size >= PRODUCE_SENDS_IN_FLIGHT_MAX) await Promise.race(inFlight).catch(() => undefined);
    };

    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (firstError) break;
      chunk.push(toMessage(line, opts));
      if (chunk.length >= PRODUCE_LINES_PER_SEND) await sendChunk();
    }
    if (chunk.length > 0 && !firstError) await sendChunk();
    await Promise.allSettled(inFlight);
    await producer.close();
    process.stderr.write(`produced ${count} record(s) to ${topic}\n`);
    if (firstError) throw firstError;
  });
}

function toMessage(line: string, opts: ProduceOptions): ProducerMessage {
  let key: string | undefined = opts.key;
  let value = line;
  if (opts.keySeparator !== undefined) {
    const at = line.indexOf(opts.keySeparator);
    if (at >= 0) {
      key = line.slice(0, at);
      value = line.slice(at + opts.keySeparator.length);
    }
  }
  return { key: key ?? null, value, partition: opts.partition };
}
