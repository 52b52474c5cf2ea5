/**
 * `strata perf produce`: Kafka's kafka-producer-perf-test for Strata. Sends `--num-records`
 * records of `--record-size` random bytes (one payload, reused, as Kafka does) with null keys,
 * so the SDK's sticky partitioner spreads batches over partitions; prints a window line every
 * 5 s and a total line at the end (see perf/kafka-format.ts and perf/produce-stats.ts for the
 * shapes and for how latency is counted).
 *
 * Load shape: each of `--producers` producers (one WebSocket each) gets an equal share of the
 * records and the rate, and hands them to the public SDK's `producer.sendMany()`
 * RECORDS_PER_SEND at a time with at most SENDS_IN_FLIGHT_MAX calls awaiting acknowledgement.
 * Throttled, a call carries the records due in THROTTLE_SLICE_MS, so the load is smooth rather
 * than one burst per second.
 *
 * Against Kafka's tool: kafka-producer-perf-test calls send() once per record with a callback
 * and lets the client batch; here each record is still its own message object (one per
 * record, as Kafka allocates a ProducerRecord each), but they are handed over in calls of
 * RECORDS_PER_SEND, and each call is answered by one SendReceipt (runs of offsets) rather than
 * one metadata object per record. An application producing at this rate would use the same
 * calls; `send()`, which answers per record, measured 0.15-0.35 µs more client CPU per record.
 */
import type { Command } from 'commander';
import type { Acks, Producer, ProducerMessage, Strata } from '../../../client/index.js';
import { parseChoice, parseNonNegativeInt, parsePositiveInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail } from '../output.js';
import { ensureTopic, parseThroughput, randomPayload } from '../perf/perf-args.js';
import { ProduceStats } from '../perf/produce-stats.js';
import { ProgressBar } from '../perf/progress.js';
import { Throttler } from '../perf/throttler.js';

/**
 * Records per sendMany() call unthrottled. 2,000 × 100 B ≈ 200 KB: a fifth of a default 1 MiB
 * batch, so several calls share a batch and the per-call overhead (a promise, a receipt) is
 * spread over many records.
 */
export const RECORDS_PER_SEND_DEFAULT = 2_000;
/**
 * send() calls awaiting acknowledgement per producer. 64 × 200 KB ≈ 12.8 MB: enough to keep
 * several 1 MiB batches in flight while earlier ones are acknowledged, within the SDK's
 * 32 MiB buffer so send() never blocks on it.
 */
export const SENDS_IN_FLIGHT_DEFAULT = 64;
/** A throttled producer sends what is due each millisecond in one call (timer resolution). */
const THROTTLE_SLICE_MS = 1;
/** Most producers one process runs; each is a connection the broker must also carry. */
const PRODUCERS_MAX = 64;

export interface ProducePerfOptions extends BrokerOption {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  acks: Acks;
  producers: number;
  batchBytes?: number;
  lingerMs?: number;
  partitions?: number;
  recordsPerSend: number;
  sendsInFlight: number;
}

export function registerPerfProduceCommand(perf: Command): void {
  addBrokerOption(perf.command('produce')
    .description('producer throughput and latency, printed as kafka-producer-perf-test prints them')
    .requiredOption('--topic <topic>', 'topic to produce to')
    .requiredOption('--num-records <n>', 'records to send', parsePositiveInt('--num-records'))
    .requiredOption('--record-size <bytes>', 'value size of each record', parseNonNegativeInt('--record-size'))
    .option('--throughput <records/s>', 'throttle to about this many records/s; -1: unthrottled', parseThroughput, -1)
    .option('--acks <acks>', 'none, leader or all', parseChoice('--acks', ['none', 'leader', 'all'] as const), 'all')
    .option('--producers <k>', 'producer instances, each with its own connection', parsePositiveInt('--producers'), 1)
    .option('--batch-bytes <bytes>', 'producer batch size (SDK default 1048576)', parsePositiveInt('--batch-bytes'))
    .option('--linger-ms <ms>', 'producer linger (SDK default 5)', parseNonNegativeInt('--linger-ms'))
    .option('--partitions <n>', 'create the topic with N partitions if it does not exist', parsePositiveInt('--partitions'))
    .option('--records-per-send <n>', 'records handed to one send() call', parsePositiveInt('--records-per-send'), RECORDS_PER_SEND_DEFAULT)
    .option('--sends-in-flight <n>', 'send() calls awaiting acks per producer', parsePositiveInt('--sends-in-flight'), SENDS_IN_FLIGHT_DEFAULT))
    .action(async (opts: ProducePerfOptions) => {
      await withClient(opts, (client) => producePerf(client, opts)).catch(fail);
    });
}

export async function producePerf(client: Strata, opts: ProducePerfOptions): Promise<void> {
  const k = Math.min(opts.producers, PRODUCERS_MAX, opts.numRecords);
  if (opts.partitions !== undefined) await ensureTopic(client, opts.topic, opts.partitions);
  const producers: Producer[] = [];
  for (let i = 0; i < k; i++) {
    producers.push(client.producer({ acks: opts.acks, batchBytesMax: opts.batchBytes, lingerMs: opts.lingerMs }));
  }
  // Connections and producer ids are set up before the clock starts, as Kafka's tool does.
  await Promise.all(producers.map((p) => p.connect()));

  const progress = new ProgressBar({ unit: 'records', total: opts.numRecords });
  const startMs = performance.now();
  const stats = new ProduceStats((line) => progress.println(line), startMs);
  const payload = randomPayload(opts.recordSize);
  try {
    await Promise.all(producers.map((producer, i) => {
      const share = Math.floor(opts.numRecords / k) + (i < opts.numRecords % k ? 1 : 0);
      const rate = opts.throughput < 0 ? -1 : opts.throughput / k;
      return sendShare(producer, share, new Throttler(rate, startMs), payload, stats, progress, opts);
    }));
    progress.stop();
    process.stdout.write(`${stats.totalLine()}\n`);
  } finally {
    progress.stop();
  }
}

/** One producer's loop: sends `share` records, throttled, with a bounded number of calls in flight. */
async function sendShare(producer: Producer, share: number, throttler: Throttler, payload: Buffer, stats: ProduceStats,
  progress: ProgressBar, opts: ProducePerfOptions): Promise<void> {
  const perSend = throttler.recordsPerSlice(THROTTLE_SLICE_MS, opts.recordsPerSend);
  const inFlight = new Set<Promise<void>>();
  let firstError: unknown;
  let sent = 0;
  while (sent < share && firstError === undefined) {
    await throttler.wait(sent);
    const n = Math.min(perSend, share - sent);
    const messages = new Array<ProducerMessage>(n);
    for (let j = 0; j < n; j++) messages[j] = { value: payload };
    sent += n;
    const t0 = performance.now();
    const p = producer.sendMany({ topic: opts.topic, messages }).then(() => {
      const now = performance.now();
      stats.record(n, n * payload.length, now - t0, now);
      progress.done = stats.acknowledged;
    }, (err: unknown) => { firstError ??= err; });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= opts.sendsInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (firstError !== undefined) throw firstError;
}
