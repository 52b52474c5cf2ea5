// End-to-end latency (`strata perf e2e`, produce -> consume through a real broker process) with
// the log cleaner idle and busy, side by side in one run. `npm run bench:compaction-e2e` builds
// first; the broker's data lives under os.tmpdir() and is removed at the end.
//
//   node scripts/bench-compaction-e2e.mjs [--table-mib 96] [--rate 500] [--seconds 8] [--rounds 3] [--normal-priority]
//
// One broker process (flush always, cleaner looking every 500 ms, its worker thread under
// SCHED_IDLE as by default). Each of --rounds rounds runs, in an order that rotates from round
// to round:
//   idle  `strata perf e2e --rate R --seconds S` on its own topic, the cleaner with nothing to do;
//   busy  a new topic gets --table-mib MiB of keyed updates (20,000 keys, 100-byte values, 4 MiB
//         segments) under cleanup.policy=delete, so nothing cleans it yet; then `strata topic alter
//         --set cleanup.policy=compact` and the same perf e2e while the cleaner compacts it (the
//         table is sized so the pass spans most of the run; the line says when the table last
//         shrank, i.e. about when the pass ended). The table is deleted after the run.
// --normal-priority starts a second broker with --cleaner-thread-priority normal and adds, per
// round, an idle and a busy run against it (idle-normal-prio, busy-normal-prio), so SCHED_IDLE
// and normal priority for the cleaner's thread are compared in one run, each against its own
// broker's idle figure.
// Per run: the perf e2e summary, machine busy and steal over the run, load. At the end the
// medians of p50/p99/p99.9 over the rounds and busy as a multiple of idle.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Strata } from '../dist/client/index.js';
import { diff, snapshot } from './bench/machine-probe.mjs';

const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const tableMiB = arg('--table-mib', 96);
const rate = arg('--rate', 500);
const seconds = arg('--seconds', 8);
const rounds = arg('--rounds', 3);
const compare = process.argv.includes('--normal-priority');
const KEYS = 20_000;
const MiB = 1024 * 1024;

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

async function startBroker(dir, threadPriority) {
  const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dir, '--port', '0', '--kafka-listen', 'off',
    '--log-level', 'warn', '--cleaner-backoff-ms', '500', '--cleaner-thread-priority', threadPriority], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** The steady-state line (records sent after the warm-up), else the whole run's. */
function summaryLine(out) {
  const lines = out.trim().split('\n');
  return lines.find((l) => /steady state records received/.test(l)) ?? lines.find((l) => /records sent/.test(l)) ?? lines.at(-1);
}
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
function percentiles(line) {
  const get = (label) => Number(new RegExp(`([\\d.]+) ms ${label.replace('.', '\\.')}`).exec(line)?.[1]);
  return { p50: get('50th'), p99: get('99th'), p999: get('99.9th') };
}

const brokers = [];
const results = {};
try {
  for (const threadPriority of compare ? ['idle', 'normal'] : ['idle']) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-compaction-e2e-'));
    const b = await startBroker(dir, threadPriority);
    const strata = new Strata({ brokers: b.url });
    brokers.push({ ...b, dir, strata, admin: strata.admin(), producer: strata.producer({ lingerMs: 5 }) });
  }
  const value = 'v'.repeat(100);
  const size = async (b, topic) => (await b.admin.describeTopic(topic)).partitions[0].sizeBytes;
  console.log(`# ${os.cpus().length} CPUs, load ${load()}; per busy run a ${tableMiB} MiB table over ${KEYS} keys; ` +
    `perf e2e --rate ${rate} --seconds ${seconds}; ${rounds} rounds`);
  // The steady-state line (records sent after the first 3 s) leaves out the consumer's start.
  const e2e = (b) => run(['perf', 'e2e', '--rate', String(rate), '--seconds', String(seconds), '--warmup-seconds', '3', '--broker', b.url]);
  const phases = ['idle', 'busy', ...(compare ? ['idle-normal-prio', 'busy-normal-prio'] : [])];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[(i + r) % phases.length];
      const b = phase.endsWith('normal-prio') ? brokers[1] : brokers[0];
      let shrinking = null;
      let watch = null;
      let before = 0;
      const table = `table-${r}-${i}`;
      if (phase.startsWith('busy')) {
        await b.admin.createTopic({ name: table, config: { segmentBytes: 4 * MiB, flushPolicy: 'never' } });
        let k = 0;
        for (let n = 0; n < Math.ceil((tableMiB * MiB) / (500 * 130)); n++) {
          await b.producer.send({ topic: table, messages: Array.from({ length: 500 }, () => ({ key: `key-${k++ % KEYS}`, value })) });
        }
        before = await size(b, table);
        await run(['topic', 'alter', table, '--set', 'cleanup.policy=compact', '--broker', b.url]);
        // When the table last got smaller: the cleaner's pass ends about then.
        const t0 = performance.now();
        let last = before;
        shrinking = 0;
        watch = setInterval(() => {
          size(b, table).then((sz) => {
            if (sz < last) shrinking = (performance.now() - t0) / 1000;
            last = sz;
          }, () => undefined);
        }, 250);
      }
      const s0 = snapshot();
      const line = summaryLine(await e2e(b));
      const runSeconds = (performance.now() - s0.at) / 1000;
      const d = diff(s0, snapshot());
      if (watch) clearInterval(watch);
      (results[phase] ??= []).push(percentiles(line));
      console.log(`${phase.padEnd(16)} ${line}`);
      console.log(`${''.padEnd(16)} machine busy ${d.busyPct.toFixed(0)}% steal ${d.stealPct.toFixed(1)}%, load ${load()}` +
        (phase.startsWith('busy') ? `; table ${(before / MiB).toFixed(1)} -> ${((await size(b, table)) / MiB).toFixed(1)} MiB, last shrank ${shrinking.toFixed(1)} s after the alter; the perf e2e process ran ${runSeconds.toFixed(1)} s` : ''));
      if (phase.startsWith('busy')) await b.admin.deleteTopic(table);
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  console.log(`# medians over ${rounds} rounds (end-to-end ms), busy as a multiple of idle:`);
  const m = (phase, key) => med(results[phase].map((x) => x[key]));
  for (const phase of phases) {
    // Each busy phase against the idle phase of its own broker.
    const idleOf = phase.endsWith('normal-prio') ? 'idle-normal-prio' : 'idle';
    const x = (key) => (phase.startsWith('busy') ? ` (${(m(phase, key) / m(idleOf, key)).toFixed(2)}x)` : '');
    console.log(`${phase.padEnd(16)} p50 ${m(phase, 'p50')}${x('p50')}  p99 ${m(phase, 'p99')}${x('p99')}  p99.9 ${m(phase, 'p999')}${x('p999')}`);
  }
} finally {
  for (const b of brokers) {
    await b.strata.close().catch(() => undefined);
    b.child.kill('SIGTERM');
    await new Promise((r) => (b.child.exitCode !== null ? r() : b.child.once('exit', r)));
    await rm(b.dir, { recursive: true, force: true });
  }
}
