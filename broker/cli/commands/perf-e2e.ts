/**
 * `strata perf e2e`: end-to-end latency at a fixed rate. One producer sends `--rate` records/s
 * for `--seconds` while one consumer in the same process tails the topic from its end; each
 * record's latency is the time from its send() call to the consumer handing it out.
 *
 * Clock: the send time is `performance.now()` written as a float64 (little-endian) into the
 * first 8 bytes of the value; the consumer reads it back and subtracts it from its own
 * `performance.now()` when the record's batch arrives. Same process, same monotonic clock, so
 * no skew, at microsecond resolution. Records of one send() share its send time.
 *
 * Consumer: the SDK's defaults, push delivery included (`--no-push` turns it off to compare).
 *
 * Producer: lingerMs 0 by default (a record waits for no one; the SDK still packs what is
 * queued in the same tick), acks 'all', idempotent - the SDK's defaults otherwise.
 *
 * Output: a line every 5 s and a final line (plus a steady-state line with --warmup-seconds),
 * shaped as the producer tool's but with percentiles to 0.01 ms; see perf/e2e-stats.ts.
 */
import type { Command } from 'commander';
import type { Acks, Producer, ProducerMessage, Strata } from '../../../client/index.js';
import { InvalidConfigError } from '../../../client/index.js';
import { parseChoice, parseNonNegativeInt, parsePositiveInt } from '../args.js';
import { addBrokerOption, withClient, type BrokerOption } from '../client-options.js';
import { fail } from '../output.js';
import { E2eStats } from '../perf/e2e-stats.js';
import { ProgressBar } from '../perf/progress.js';
import { ensureTopic, parseNonNegativeNumber, parsePositiveNumber, randomPayload } from '../perf/perf-args.js';
import { Throttler } from '../perf/throttler.js';
import { asBuffer } from '../../../proto/as-buffer.js';

export const E2E_TOPIC_DEFAULT = 'strata-perf-e2e';
/** Bytes of the embedded send time; a record must be at least this large. */
const SEND_TIME_BYTES = 8;
/** After the last send, how long the consumer may take to see every record before giving up. */
const DRAIN_MS_MAX = 10_000;
/** The sender sends what is due each millisecond in one call (timer resolution). */
const SEND_SLICE_MS = 1;
/** Records in one send() call at most, whatever the rate. */
const RECORDS_PER_SEND_MAX = 2_000;
/** send() calls awaiting acks; beyond, the sender waits (and the rate is missed, visibly). */
const SENDS_IN_FLIGHT_MAX = 1_000;

export interface E2ePerfOptions extends BrokerOption {
  rate: number;
  seconds: number;
  recordSize: number;
  topic: string;
  partitions: number;
  acks: Acks;
  lingerMs: number;
  warmupSeconds: number;
  /** false (--no-push): the consumer fetches even when tailing, for an A/B of push delivery. */
  push: boolean;
}

export function registerPerfE2eCommand(perf: Command): void {
  addBrokerOption(perf.command('e2e')
    .description('produce → consume latency percentiles at a fixed rate')
    .requiredOption('--rate <records/s>', 'records per second to produce', parsePositiveNumber('--rate'))
    .requiredOption('--seconds <s>', 'how long to produce', parsePositiveNumber('--seconds'))
    .option('--record-size <bytes>', `value size (at least ${SEND_TIME_BYTES})`, parsePositiveInt('--record-size'), 100)
    .option('--topic <topic>', 'topic (created if missing)', E2E_TOPIC_DEFAULT)
    .option('--partitions <n>', 'partitions when creating the topic', parsePositiveInt('--partitions'), 1)
    .option('--acks <acks>', 'none, leader or all', parseChoice('--acks', ['none', 'leader', 'all'] as const), 'all')
    .option('--linger-ms <ms>', 'producer linger', parseNonNegativeInt('--linger-ms'), 0)
    .option('--warmup-seconds <s>', 'also report records sent after the first S seconds alone ("steady state")',
      parseNonNegativeNumber('--warmup-seconds'), 0)
    .option('--no-push', 'the consumer fetches even when tailing (no push delivery), to compare'))
    .action(async (opts: E2ePerfOptions) => {
      await withClient(opts, (client) => e2ePerf(client, opts)).catch(fail);
    });
}

export async function e2ePerf(client: Strata, opts: E2ePerfOptions): Promise<void> {
  if (opts.recordSize < SEND_TIME_BYTES) throw new InvalidConfigError(`--record-size must be at least ${SEND_TIME_BYTES}`);
  await ensureTopic(client, opts.topic, opts.partitions);
  const consumer = client.consumer({ push: opts.push !== false });
  await consumer.assign({ topic: opts.topic, offset: 'latest' });
  const producer = client.producer({ acks: opts.acks, lingerMs: opts.lingerMs });
  await producer.connect();

  const target = Math.max(1, Math.round(opts.rate * opts.seconds));
  const progress = new ProgressBar({ unit: 'records', total: target });
  const startMs = performance.now();
  const stats = new E2eStats(startMs, Math.min(opts.warmupSeconds, opts.seconds) * 1000, (line) => progress.println(line));
  let sent = 0;
  let producing = true;
  let lastSeenMs = startMs;

  // The consumer stops once it has seen every sent record, or DRAIN_MS_MAX after the last
  // record it saw once sending is over (a watchdog closes it: batches() has no timeout).
  const watchdog = setInterval(() => {
    if (!producing && performance.now() - lastSeenMs > DRAIN_MS_MAX) void consumer.close();
  }, 100);
  let sendEndMs = startMs;
  let consumeError: unknown;
  try {
    const consuming = (async () => {
      for await (const batch of consumer.batches()) {
        const now = performance.now();
        // Every record's value is read (its send time is in it), as an application reads its
        // records; a run of records with one send time (one send() call) is counted in the
        // histograms once, not once per record.
        let runSendMs = NaN;
        let runRecords = 0;
        let runBytes = 0;
        for (const r of batch.records) {
          const value = r.value!;
          const sendMs = asBuffer(value).readDoubleLE(0);
          const bytes = value.length + Math.max(0, r.keySize);
          if (sendMs === runSendMs) {
            runRecords++;
            runBytes += bytes;
            continue;
          }
          if (runRecords > 0) stats.record(runSendMs, runBytes, now, runRecords);
          runSendMs = sendMs;
          runRecords = 1;
          runBytes = bytes;
        }
        if (runRecords > 0) stats.record(runSendMs, runBytes, now, runRecords);
        lastSeenMs = now;
        progress.done = stats.received;
        if (!producing && stats.received >= sent) return;
      }
    })().catch((err: unknown) => { consumeError = err; });
    try {
      sent = await sendAtRate(producer, target, new Throttler(opts.rate, startMs), opts);
    } finally {
      producing = false;
      sendEndMs = performance.now();
      lastSeenMs = Math.max(lastSeenMs, sendEndMs);
    }
    // The last batch may be in already: the loop only checks after a batch arrives.
    if (stats.received < sent) await consuming;
    if (consumeError !== undefined) throw consumeError;
  } finally {
    clearInterval(watchdog);
    progress.stop();
    await consumer.close();
  }
  if (stats.received < sent) {
    process.stdout.write(`WARNING: received ${stats.received} of ${sent} records; the rest did not arrive within ${DRAIN_MS_MAX} ms.\n`);
  }
  for (const line of stats.totalLines(sent, sendEndMs)) process.stdout.write(`${line}\n`);
}

/** Sends `total` records at the throttler's rate; resolves with how many were acknowledged. */
async function sendAtRate(producer: Producer, total: number, throttler: Throttler, opts: E2ePerfOptions): Promise<number> {
  const template = randomPayload(opts.recordSize);
  const perSend = throttler.recordsPerSlice(SEND_SLICE_MS, RECORDS_PER_SEND_MAX);
  const inFlight = new Set<Promise<void>>();
  let firstError: unknown;
  let sent = 0;
  let acknowledged = 0;
  while (sent < total && firstError === undefined) {
    await throttler.wait(sent);
    // Everything due by now goes in this call: a late timer is caught up, not skipped.
    const due = Math.min(total, Math.max(sent + perSend, Math.floor(((performance.now() - throttler.startedAtMs) * opts.rate) / 1000)));
    const n = Math.min(due - sent, RECORDS_PER_SEND_MAX);
    // Records of one call share their send time, so they share one value buffer, as perf
    // produce's records share one payload: each record is still its own message whose bytes
    // the SDK writes into its batch. A copy and a Buffer view per record (as before) were the
    // tool's own work: 150-250 ns per record against 8-11 now (CPU-time micro-benchmark), at
    // 100k rec/s ~3-5% of this process's CPU. The buffer is never written again, since the SDK
    // may read the values after send() returns.
    const value = Buffer.allocUnsafe(opts.recordSize);
    template.copy(value, 0);
    const sendTimeMs = performance.now();
    value.writeDoubleLE(sendTimeMs, 0);
    const messages = new Array<ProducerMessage>(n);
    for (let j = 0; j < n; j++) messages[j] = { value };
    sent += n;
    // sendMany: one SendReceipt per call, not a RecordMetadata per record that nobody reads
    // (those were 13% of this process's allocations at 100k rec/s); perf produce does the same.
    const p = producer.sendMany({ topic: opts.topic, messages }).then(() => { acknowledged += n; }, (err: unknown) => { firstError ??= err; });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= SENDS_IN_FLIGHT_MAX) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (firstError !== undefined) throw firstError;
  return acknowledged;
}
