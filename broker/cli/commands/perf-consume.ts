/**
 * `strata perf consume`: Kafka's kafka-consumer-perf-test for Strata. Reads `--messages`
 * records with one consumer (one WebSocket) through `consumer.batches()`, and prints Kafka's
 * CSV header and one data line (see perf/kafka-format.ts).
 *
 * What is counted, as Kafka counts it: records, and bytes of key plus value of each record
 * (headers and batch framing are not counted). Exactly `--messages` records are counted even
 * when the last batch holds more.
 *
 * Clock: starts before assign() and stops at the last counted record. `rebalance.time.ms` is
 * the time assign() took (looking up the start offsets) - the part of the run before the first
 * fetch could go out, which in Kafka is the group join - and `fetch.*` exclude it.
 *
 * If no record arrives for `--timeout` ms the run ends early with Kafka's WARNING line, and
 * the figures cover what was read.
 */
import type { Command } from 'commander';
import type { Assignment, Strata } from '../../../client/index.js';
import { parseNonNegativeInt, parsePositiveInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail } from '../output.js';
import { CONSUMER_HEADER, consumerLine } from '../perf/kafka-format.js';
import { ProgressBar } from '../perf/progress.js';

/** Kafka's default --timeout: the longest gap between records before the run gives up. */
export const RECORD_GAP_MS_DEFAULT = 10_000;

export interface ConsumePerfOptions extends BrokerOption {
  topic: string;
  messages: number;
  from: 'earliest' | number;
  partition?: number;
  timeout: number;
}

function parseFrom(raw: string): 'earliest' | number {
  return raw === 'earliest' ? 'earliest' : parseNonNegativeInt('--from')(raw);
}

export function registerPerfConsumeCommand(perf: Command): void {
  addBrokerOption(perf.command('consume')
    .description('consumer throughput, printed as kafka-consumer-perf-test prints it')
    .requiredOption('--topic <topic>', 'topic to read')
    .requiredOption('--messages <n>', 'records to read', parsePositiveInt('--messages'))
    .option('--from <offset>', 'earliest, or an offset applied to every partition read', parseFrom, 'earliest')
    .option('--partition <n>', 'read only this partition (default: all)', parseNonNegativeInt('--partition'))
    .option('--timeout <ms>', 'give up after this long without a record', parsePositiveInt('--timeout'), RECORD_GAP_MS_DEFAULT))
    .action(async (opts: ConsumePerfOptions) => {
      await withClient(opts, (client) => consumePerf(client, opts)).catch(fail);
    });
}

export async function consumePerf(client: Strata, opts: ConsumePerfOptions): Promise<void> {
  const assignment: Assignment = { topic: opts.topic, partition: opts.partition, offset: opts.from };
  const consumer = client.consumer();
  process.stdout.write(`${CONSUMER_HEADER}\n`);
  const progress = new ProgressBar({ unit: 'records', total: opts.messages });

  const startEpochMs = Date.now();
  const start = performance.now();
  await consumer.assign(assignment);
  const rebalanceMs = performance.now() - start;

  let records = 0;
  let bytes = 0;
  let end = start;
  let lastRecordMs = performance.now();
  let timedOut = false;
  // batches() has no timeout of its own: a watchdog closes the consumer, which ends the loop.
  const watchdog = setInterval(() => {
    if (performance.now() - lastRecordMs > opts.timeout) {
      timedOut = true;
      void consumer.close();
    }
  }, Math.min(opts.timeout, 1_000));
  try {
    for await (const batch of consumer.batches()) {
      const rs = batch.records;
      const n = Math.min(rs.length, opts.messages - records);
      for (let i = 0; i < n; i++) {
        // Sizes as stored, like Kafka's serializedKeySize/ValueSize: no Buffer view per record.
        const r = rs[i]!;
        if (r.keySize > 0) bytes += r.keySize;
        if (r.valueSize > 0) bytes += r.valueSize;
      }
      records += n;
      end = lastRecordMs = performance.now();
      progress.done = records;
      if (records >= opts.messages) break;
    }
  } finally {
    clearInterval(watchdog);
    progress.stop();
    await consumer.close();
  }
  // Nothing read: the run lasted until the loop gave up.
  if (records === 0) end = performance.now();
  if (timedOut) {
    process.stdout.write(`WARNING: Exiting before consuming the expected number of messages: timeout (${opts.timeout} ms) exceeded. `
      + 'You can use the --timeout option to increase the timeout.\n');
  }
  process.stdout.write(`${consumerLine({
    startMs: startEpochMs,
    endMs: startEpochMs + (end - start),
    bytes,
    records,
    rebalanceMs,
  })}\n`);
}
