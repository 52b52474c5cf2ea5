// A group member in a process of its own, so a test can SIGKILL or SIGSTOP it: the real way a
// consumer dies without leaving. Prints `ready [partitions]`, then `partition:offset` per
// processed record (stdout to a pipe is synchronous on Linux, so a printed record is never
// lost with the process). Runs the compiled SDK (dist/, built by `npm test`'s pretest).
//
//   node member-process.mjs URL GROUP TOPIC SESSION_TIMEOUT_MS STRATEGY RECORD_DELAY_MS
import { Strata } from '../../../dist/client/index.js';

const [url, groupId, topic, sessionTimeoutMs, strategy, delayMs] = process.argv.slice(2);
const strata = new Strata({ brokers: url, clientId: 'member-process' });
const consumer = strata.consumer({
  groupId, strategy, decode: 'utf8', autoOffsetReset: 'earliest', autoCommitIntervalMs: 50,
  sessionTimeoutMs: Number(sessionTimeoutMs), maxWaitMs: 100, maxBytes: 4096, partitionMaxBytes: 2048,
});
await consumer.subscribe(topic);
process.stdout.write(`ready ${JSON.stringify(consumer.assignment().map((tp) => tp.partition))}\n`);
const pause = Number(delayMs);
for await (const r of consumer) {
  process.stdout.write(`${r.partition}:${r.offset}\n`);
  if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
}
