#!/usr/bin/env node
// Side-by-side benchmark: Strata vs NATS JetStream vs Redis Streams, same workload, same box.
//
//   npm run bench:compare -- [--records N] [--record-size B] [--runs N] [--only strata,nats,redis]
//
// Workload: N records of B random bytes, one producer connection, one server, loopback. Each
// system runs at two durability levels (fsync before ack; fsync on a ~1 s interval). For every
// (system, level) cell and every run: start a fresh server in a fresh temp dir, produce all
// records (clock: first send → last ack), read them all back from the start (clock: start of
// read → last record), stop the server. Cells alternate (A B C A B C ...) so drift on the box
// (page cache, thermal, neighbours) spreads over all systems. Each produce and each consume runs
// in its own Node process (scripts/bench/worker.mjs) so no system inherits another's heap.
// Prints one markdown table of medians with Strata's ratio to each peer.

import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHandlers, isStopping, startChild, stopChild } from './bench/processes.mjs';
import { natsSetup, natsVersion, redisSetup, redisVersion, strataSetup } from './bench/servers.mjs';
import { probeFsync } from './bench/fsync-probe.mjs';
import { renderTable } from './bench/report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(HERE, 'bench', 'worker.mjs');

const RECORDS_DEFAULT = 1_000_000;
const RECORD_SIZE_BYTES_DEFAULT = 100;
const RUNS_DEFAULT = 3;
const SYSTEMS = ['strata', 'nats', 'redis'];
/** A workload gets this long plus `WORKLOAD_TIMEOUT_MS_PER_RECORD` per record before it is killed. */
const WORKLOAD_TIMEOUT_MS_BASE = 120_000;
/** 0.5 ms per record: a 1M-record run may go as slow as 2,000 records/s before being called hung. */
const WORKLOAD_TIMEOUT_MS_PER_RECORD = 0.5;

function usage(message) {
  if (message) process.stderr.write(`bench-compare: ${message}\n`);
  process.stderr.write('usage: npm run bench:compare -- [--records N] [--record-size B] [--runs N] [--only strata,nats,redis]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { records: RECORDS_DEFAULT, recordSize: RECORD_SIZE_BYTES_DEFAULT, runs: RUNS_DEFAULT, only: SYSTEMS };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    const positive = (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) usage(`${flag} must be a positive integer, got '${v}'`);
      return n;
    };
    if (flag === '--records') opts.records = positive(value());
    else if (flag === '--record-size') opts.recordSize = positive(value());
    else if (flag === '--runs') opts.runs = positive(value());
    else if (flag === '--only') {
      opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of opts.only) if (!SYSTEMS.includes(s)) usage(`--only takes ${SYSTEMS.join(',')}, got '${s}'`);
    } else if (flag === '--help' || flag === '-h') usage();
    else usage(`unknown option '${argv[i]}'`);
  }
  return opts;
}

/** Installs nats-server / redis-server from Debian packages if they are not on PATH. */
function ensureServers(only) {
  const wanted = [['nats', 'nats-server'], ['redis', 'redis-server']].filter(([s]) => only.includes(s));
  const missing = wanted.filter(([, cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (missing.length === 0) return;
  const pkgs = missing.map(([, cmd]) => cmd);
  log(`${pkgs.join(', ')} not found on PATH; installing Debian packages: apt-get update && apt-get install -y ${pkgs.join(' ')}`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) => {
    const r = spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), {
      stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) throw new Error(`'${args.join(' ')}' failed (exit ${r.status}); install ${pkgs.join(' ')} by hand`);
  };
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', ...pkgs]);
}

/** Fails with a clear message when the peer client libraries are not installed. */
async function ensureClients(only) {
  const needed = [['nats', 'nats'], ['redis', 'ioredis']].filter(([s]) => only.includes(s));
  for (const [, pkg] of needed) {
    try {
      await import(pkg);
    } catch {
      throw new Error(`the '${pkg}' package is missing: run 'npm install' (it is a devDependency) or 'npm install --save-dev ${pkg}'`);
    }
  }
}

function log(line) { process.stderr.write(`${line}\n`); }

/** Runs one workload op in a fresh worker process; resolves with its result or rejects. */
async function runWorker(system, op, options) {
  const entry = startChild(`${system} ${op} worker`, process.execPath, [WORKER], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const timeoutMs = WORKLOAD_TIMEOUT_MS_BASE + options.records * WORKLOAD_TIMEOUT_MS_PER_RECORD;
  try {
    const reply = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${system} ${op} did not finish within ${timeoutMs} ms`)), timeoutMs);
      entry.child.once('message', (m) => { clearTimeout(timer); resolve(m); });
      entry.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${system} ${op} worker exited (code ${code}, signal ${signal}) without a result:\n${entry.output}`));
      });
      entry.child.send({ system, op, options });
    });
    if (!reply.ok) {
      const err = new Error(reply.error.message);
      err.name = reply.error.name;
      err.stack = reply.error.stack;
      throw err;
    }
    return reply.result;
  } finally {
    await stopChild(entry);
  }
}

/** The (system, durability, method) cells, in the order a run visits them. */
async function planCells(only) {
  const cells = [];
  for (const durability of ['always', 'interval']) {
    if (only.includes('strata')) cells.push({ system: 'strata', durability, label: 'Strata', setup: await strataSetup(durability) });
    if (only.includes('nats')) {
      const setup = await natsSetup(durability);
      cells.push({ system: 'nats', durability, method: 'acked', label: 'NATS JetStream', setup });
      cells.push({ system: 'nats', durability, method: 'noack', label: 'NATS JetStream, core publish (no per-message ack)', setup, unacked: true });
    }
    if (only.includes('redis')) cells.push({ system: 'redis', durability, label: 'Redis Streams', setup: await redisSetup(durability) });
  }
  for (const c of cells) c.runs = [];
  return cells;
}

async function runCell(cell, opts, runIndex) {
  let server;
  try {
    server = await cell.setup.start();
    const common = { url: server.url, topic: 'bench', records: opts.records, recordSize: opts.recordSize };
    const produced = await runWorker(cell.system, 'produce', { ...common, method: cell.method });
    const consumed = await runWorker(cell.system, 'consume', common);
    if (consumed.records !== opts.records || consumed.bytes !== opts.records * opts.recordSize) {
      throw new Error(`read back ${consumed.records} records / ${consumed.bytes} bytes, expected ${opts.records} / ${opts.records * opts.recordSize}`);
    }
    const run = {
      produceRps: opts.records / produced.seconds,
      consumeRps: opts.records / consumed.seconds,
    };
    cell.runs.push(run);
    log(`run ${runIndex + 1}/${opts.runs} ${cell.label} [${cell.durability}]: produce ${fmt(run.produceRps)} rec/s `
      + `(${produced.seconds.toFixed(2)} s), consume ${fmt(run.consumeRps)} rec/s (${consumed.seconds.toFixed(2)} s), `
      + `load average ${os.loadavg()[0].toFixed(1)}`);
  } catch (err) {
    if (isStopping()) return;
    cell.errors = [...(cell.errors ?? []), err];
    log(`run ${runIndex + 1}/${opts.runs} ${cell.label} [${cell.durability}]: FAILED: ${err.name}: ${err.message.split('\n')[0]}`);
    // A not-wired or missing Strata build will fail the same way every run: skip the rest.
    if (err.name === 'StrataNotWiredError') cell.setup = { unavailable: err.message };
  } finally {
    await server?.stop();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

function machineLine(disk, loadAtStart) {
  const memGiB = Math.round(os.totalmem() / 2 ** 30);
  let cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  cpu = cpu.replace(/\s+/g, ' ');
  return `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${cpu}), ${memGiB} GiB RAM, `
    + `${os.type()} ${os.release()}, Node ${process.version}, data dirs under ${os.tmpdir()} `
    + `(${disk.fsType}, 4 KiB append + fdatasync median ${Math.round(disk.fdatasyncUsMedian)} µs), `
    + `1-min load average ${loadAtStart.toFixed(2)} at start and ${os.loadavg()[0].toFixed(2)} at end `
    + '(the benchmark itself adds about 2; more means other work shared the 2 cores)';
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  installCleanupHandlers();
  ensureServers(opts.only);
  await ensureClients(opts.only);
  const cells = await planCells(opts.only);
  const loadAtStart = os.loadavg()[0];
  const disk = await probeFsync();
  const versions = {
    nats: opts.only.includes('nats') ? natsVersion() : undefined,
    redis: opts.only.includes('redis') ? redisVersion() : undefined,
    strata: opts.only.includes('strata') ? gitDescribe() : undefined,
  };
  log(`bench-compare: ${fmt(opts.records)} records × ${opts.recordSize} B, ${opts.runs} run(s), systems: ${opts.only.join(', ')}`);
  for (const c of cells) if (c.setup.unavailable) log(`  ${c.label} [${c.durability}]: unavailable: ${c.setup.unavailable}`);

  for (let r = 0; r < opts.runs; r++) {
    for (const cell of cells) {
      if (cell.setup.unavailable) continue;
      await runCell(cell, opts, r);
    }
  }
  process.stdout.write(renderTable({ cells, opts, versions, machine: machineLine(disk, loadAtStart) }));
}

function gitDescribe() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

main().catch((err) => {
  process.stderr.write(`bench-compare: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
