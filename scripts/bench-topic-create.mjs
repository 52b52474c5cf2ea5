#!/usr/bin/env node
/**
 * How long creating many topics takes, and how long the broker then takes to restart with them.
 * Starts a broker child process (dist/, via the CLI) in a temp dir and creates N one-partition
 * topics through the SDK's admin in two ways:
 *
 *   - one request per topic, `--concurrency` requests in flight (a script looping over names);
 *   - one CreateTopics request holding every name (what `admin.createTopics([...])` sends).
 *
 * Then it stops the broker (SIGTERM, clean) and times a restart to the ready line.
 *
 *   npm run bench:topic-create                       # 10,000 topics, concurrency 16
 *   node scripts/bench-topic-create.mjs --topics 2000 --concurrency 1
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Strata } from '../dist/client/index.js';

const { values: args } = parseArgs({
  options: {
    topics: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    mode: { type: 'string', default: 'both' },
  },
});
const TOPICS = Number(args.topics);
const CONCURRENCY = Number(args.concurrency);
/** Names per CreateTopics request in batch mode: one request unless it would not fit a frame. */
const BATCH_TOPICS_MAX = 10_000;
/**
 * One CreateTopics of 10,000 names is one request: on a loaded 2-core box it outlasts the SDK's
 * default 30 s request timeout, and a retry then reports the first try's topics as existing.
 */
const REQUEST_TIMEOUT_MS = 300_000;
const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));

function startBroker(dir) {
  const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dir, '--port', '0', '--log-level', 'warn',
    '--max-topics', String(2 * TOPICS + 10)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = process.hrtime.bigint();
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ws:\/\/\S+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return { child, url, started };
}

function stopBroker(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const seconds = (fromNs) => Number(process.hrtime.bigint() - fromNs) / 1e9;

/**
 * CPU seconds (user + system) a process has used, from /proc: on a shared machine wall time
 * follows the other load, the broker's CPU time much less.
 */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  } catch {
    return '?';
  }
}

async function oneByOne(admin, prefix) {
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < TOPICS) {
      const i = next++;
      await admin.createTopic({ name: `${prefix}-${i}`, partitions: 1 });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return seconds(t0);
}

async function batched(admin, prefix) {
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < TOPICS; start += BATCH_TOPICS_MAX) {
    const names = [];
    for (let i = start; i < Math.min(TOPICS, start + BATCH_TOPICS_MAX); i++) names.push({ name: `${prefix}-${i}`, partitions: 1 });
    const results = await admin.createTopics(names);
    const failed = results.filter((r) => r.error);
    if (failed.length > 0) throw new Error(`${failed.length} topics failed, first: ${failed[0].error}`);
  }
  return seconds(t0);
}

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-topics-'));
let broker = startBroker(dir);
try {
  const strata = new Strata({ brokers: await broker.url, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const admin = strata.admin();
  const report = async (what, run) => {
    const cpu0 = cpuSeconds(broker.child.pid);
    const s = await run();
    const cpu = cpuSeconds(broker.child.pid) - cpu0;
    console.log(`${what}: ${TOPICS} topics in ${s.toFixed(2)} s (${Math.round(TOPICS / s)} topics/s), broker CPU ${cpu.toFixed(2)} s, load ${loadAverage()}`);
  };
  if (args.mode !== 'batch') await report(`one request per topic, ${CONCURRENCY} in flight`, () => oneByOne(admin, 'single'));
  if (args.mode !== 'single') await report('one CreateTopics request', () => batched(admin, 'batch'));
  const total = (await admin.listTopics()).length;
  await strata.close();
  await stopBroker(broker.child);
  broker = startBroker(dir);
  await broker.url;
  console.log(`restart with ${total} topics: ready in ${seconds(broker.started).toFixed(2)} s, broker CPU ${cpuSeconds(broker.child.pid).toFixed(2)} s, load ${loadAverage()}`);
} finally {
  await stopBroker(broker.child);
  rmSync(dir, { recursive: true, force: true });
}
