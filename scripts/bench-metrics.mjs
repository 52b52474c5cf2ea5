#!/usr/bin/env node
/**
 * What the Prometheus metrics cost the hot path: produce throughput of a broker started with
 * --metrics on against one with --metrics off, in alternating runs (on, off, on, off...), each on
 * a fresh broker child process and data directory; medians per mode and their ratio. The target
 * is a difference under 3%.
 *
 *   npm run bench:metrics                                # 3 runs per mode, 400,000 x 100 B records
 *   node scripts/bench-metrics.mjs --runs 5 --records 1000000 --record-size 100 --flush interval
 *
 * During a --metrics on run /metrics is scraped every SCRAPE_INTERVAL_MS (far more often than a
 * Prometheus would), so the figure includes scrape-time collection too. The producer is the
 * CLI's `strata perf produce` (one SDK producer, acks all) in its own process; the load average
 * is printed, since on a shared machine it moves the numbers more than the metrics do. So is the
 * broker's own CPU time per record (utime + stime from /proc, Linux), which other processes'
 * load disturbs much less than throughput: it is the better measure of what metrics cost.
 *
 * Last, the hot-path calls themselves, timed in this process with process.cpuUsage() over
 * HOT_PATH_CALLS calls each: what one produce request adds (the request observer, the per-topic
 * traffic counter) and what one fdatasync pass adds, next to the broker CPU a request costs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BrokerMetrics } from '../dist/broker/metrics/broker-metrics.js';

const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
/** How often a metrics-on run scrapes /metrics. */
const SCRAPE_INTERVAL_MS = 1_000;
/** Longest one broker may take to print its ready line. */
const BROKER_READY_MS_MAX = 20_000;
/** Calls per hot-path microbenchmark. */
const HOT_PATH_CALLS = 1_000_000;

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    records: { type: 'string', default: '400000' },
    'record-size': { type: 'string', default: '100' },
    flush: { type: 'string', default: 'interval' },
  },
});
const RUNS = Number(opt.runs);
const RECORDS = Number(opt.records);
const RECORD_SIZE = Number(opt['record-size']);

function startBroker(metrics) {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-metrics-'));
  const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dir, '--port', '0', '--kafka-listen', 'off',
    '--log-level', 'warn', '--flush', opt.flush, '--metrics', metrics], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('broker did not start')), BROKER_READY_MS_MAX);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ws:\/\/\S+/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`broker exited with ${code}`)); });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    /** CPU seconds (user + system) the broker process has used so far. */
    cpuSeconds() {
      // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux); the
      // command name (field 2) may hold spaces, so count from the closing parenthesis.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function perfProduce(url) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'perf', 'produce', '--topic', 'bench', '--partitions', '1', '--num-records', String(RECORDS),
      '--record-size', String(RECORD_SIZE), '--acks', 'all', '--broker', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.once('exit', (code) => {
      const m = /([\d.]+) records\/sec/.exec(out);
      if (code !== 0 || !m) reject(new Error(`perf produce exited ${code}: ${out}`));
      else resolve(Number(m[1]));
    });
  });
}

async function run(metrics) {
  const broker = startBroker(metrics);
  try {
    const url = await broker.url;
    let scrapes = 0;
    const scraper = metrics === 'on' ? setInterval(() => {
      fetch(`${url.replace(/^ws:/, 'http:')}/metrics`).then((r) => r.text()).then(() => { scrapes++; }, () => undefined);
    }, SCRAPE_INTERVAL_MS) : null;
    try {
      const cpuBefore = broker.cpuSeconds();
      const recordsPerSec = await perfProduce(url);
      const cpuUsPerRecord = (broker.cpuSeconds() - cpuBefore) / RECORDS * 1e6;
      return { recordsPerSec, cpuUsPerRecord, scrapes };
    } finally {
      if (scraper) clearInterval(scraper);
    }
  } finally {
    await broker.stop();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const loadStart = loadavg();
const results = { on: [], off: [] };
const cpu = { on: [], off: [] };
console.log(`bench:metrics  ${RUNS} runs per mode, ${RECORDS} records x ${RECORD_SIZE} B, acks all, --flush ${opt.flush}, `
  + `${cpus().length} cores, load avg at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
for (let i = 0; i < RUNS; i++) {
  // Alternate which mode goes first in each pair, so a drift in machine load hits both alike.
  for (const mode of i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
    const r = await run(mode);
    results[mode].push(r.recordsPerSec);
    cpu[mode].push(r.cpuUsPerRecord);
    console.log(`  run ${i + 1} metrics ${mode.padEnd(3)} ${r.recordsPerSec.toFixed(0).padStart(9)} records/sec  broker CPU ${r.cpuUsPerRecord.toFixed(3)} µs/record`
      + `${mode === 'on' ? `  (${r.scrapes} scrapes)` : ''}`);
  }
}
const on = median(results.on);
const off = median(results.off);
const diff = (off - on) / off * 100;
const cpuOn = median(cpu.on);
const cpuOff = median(cpu.off);
console.log(`median metrics on  ${on.toFixed(0)} records/sec  broker CPU ${cpuOn.toFixed(3)} µs/record`);
console.log(`median metrics off ${off.toFixed(0)} records/sec  broker CPU ${cpuOff.toFixed(3)} µs/record`);
console.log(`broker CPU per record on/off ${(cpuOn / cpuOff).toFixed(4)}  (metrics cost ${((cpuOn - cpuOff) / cpuOff * 100).toFixed(2)}% of broker CPU)`);
console.log(`on/off ratio ${(on / off).toFixed(4)}  (metrics cost ${diff.toFixed(2)}% of throughput; target < 3%)  load avg at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// ---- the hot-path calls alone ------------------------------------------------------------------
function cpuMicrosPerCall(fn) {
  for (let i = 0; i < HOT_PATH_CALLS / 10; i++) fn(i); // warm up (JIT)
  const before = process.cpuUsage();
  for (let i = 0; i < HOT_PATH_CALLS; i++) fn(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / HOT_PATH_CALLS;
}
const metrics = new BrokerMetrics({
  nodeId: 0, version: 'bench', topics: () => null, groups: () => null, storage: () => null, listeners: () => [],
  serverStats: () => [], recoverySeconds: () => null, replication: () => null,
});
const ctx = { listener: 'ws' };
const completion = { api: 'produce', durationMs: 1.5, error: null, bytesIn: 200_000, bytesOut: 40 };
const perRequest = cpuMicrosPerCall(() => {
  metrics.requests.onRequestComplete(ctx, completion);
  metrics.traffic.produced('bench', 2000, 200_000);
});
const perPass = cpuMicrosPerCall(() => metrics.storage.flushPass(0.002, 12, true));
const requestRecords = 2000; // perf produce's default --records-per-send
console.log(`hot path: ${perRequest.toFixed(3)} µs per produce request (observer + topic counter), ${perPass.toFixed(3)} µs per fdatasync pass; `
  + `a ${requestRecords}-record request costs the broker ~${(cpuOff * requestRecords).toFixed(0)} µs of CPU at the median above `
  + `(${(perRequest / (cpuOff * requestRecords) * 100).toFixed(3)}%)`);
