// End-to-end latency (`strata perf e2e`, produce -> consume through a real broker process) with
// the log cleaner idle and then busy, in the same run. `npm run bench:compaction-e2e` builds
// first; the broker's data lives under os.tmpdir() and is removed at the end.
//
//   node scripts/bench-compaction-e2e.mjs [--table-mib 64] [--rate 500] [--seconds 10]
//
// 1. A broker process (flush always, cleaner looking every 500 ms) gets a topic 'table' of
//    --table-mib MiB of keyed updates (20,000 keys, 100-byte values, 4 MiB segments) under
//    cleanup.policy=delete, so nothing cleans it yet.
// 2. `strata perf e2e --rate R --seconds S` runs on its own topic: the idle figure.
// 3. `strata topic alter table --set cleanup.policy=compact`: the cleaner takes the table at its
//    next look, and the same perf e2e runs again while it cleans: the busy figure.
// Prints both final perf lines and the table's size before and after.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Strata } from '../dist/client/index.js';

const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const tableMiB = arg('--table-mib', 64);
const rate = arg('--rate', 500);
const seconds = arg('--seconds', 10);
const KEYS = 20_000;

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`strata ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

async function startBroker(dir) {
  const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dir, '--port', '0', '--kafka-listen', 'off',
    '--log-level', 'warn', '--cleaner-backoff-ms', '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ws:\/\/\S+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}`)));
  });
  return { url, child };
}

const lastLine = (out) => out.trim().split('\n').filter((l) => /records sent|ms avg|99th/.test(l)).at(-1) ?? out.trim().split('\n').at(-1);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-compaction-e2e-'));
const broker = await startBroker(dir);
try {
  const strata = new Strata({ brokers: broker.url });
  const admin = strata.admin();
  await admin.createTopic({ name: 'table', config: { segmentBytes: 4 * 1024 * 1024, flushPolicy: 'never' } });
  const producer = strata.producer({ lingerMs: 5 });
  const value = 'v'.repeat(100);
  let k = 0;
  const batches = Math.ceil((tableMiB * 1024 * 1024) / (500 * 130));
  for (let b = 0; b < batches; b++) {
    await producer.send({ topic: 'table', messages: Array.from({ length: 500 }, () => ({ key: `key-${k++ % KEYS}`, value })) });
  }
  const size = async () => (await admin.describeTopic('table')).partitions[0].sizeBytes;
  const before = await size();
  console.log(`# ${os.cpus().length} CPUs, load ${load()}; table ${(before / 1048576).toFixed(1)} MiB over ${KEYS} keys; perf e2e --rate ${rate} --seconds ${seconds}`);
  // The steady-state line (records sent after the first 3 s) leaves out the consumer's start.
  const e2e = () => run(['perf', 'e2e', '--rate', String(rate), '--seconds', String(seconds), '--warmup-seconds', '3', '--broker', broker.url]);
  console.log(`idle    ${lastLine(await e2e())}`);
  await run(['topic', 'alter', 'table', '--set', 'cleanup.policy=compact', '--broker', broker.url]);
  console.log(`busy    ${lastLine(await e2e())}`);
  console.log(`# table ${(before / 1048576).toFixed(1)} MiB -> ${((await size()) / 1048576).toFixed(1)} MiB after the busy run; load ${load()}`);
  await strata.close();
} finally {
  broker.child.kill('SIGTERM');
  await new Promise((r) => broker.child.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
