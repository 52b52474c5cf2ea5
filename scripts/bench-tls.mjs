#!/usr/bin/env node
// What TLS costs: produce throughput of 100 B records over plaintext ws://, over wss://, and over
// wss:// with a SCRAM-SHA-512 login, in one run (each a `strata perf produce` child against its own
// broker child, same flags), as ratios to plaintext; then login cost, one connection at a time:
// TLS handshakes/s (tls.connect to the broker's port, full handshakes, no session resumption) and
// complete SDK logins/s (TCP + TLS + WebSocket upgrade + ApiVersions + SCRAM-SHA-512, 4,096 PBKDF2
// iterations on each side).
//
//   npm run bench:tls                         (builds first)
//   BENCH_RECORDS=300000 BENCH_ROUNDS=3 BENCH_LOGIN_S=2 node scripts/bench-tls.mjs
//
// Brokers run with --flush never so the figures show the transport, not fsync. Certificates are
// EC P-256, made with openssl in a temp dir. Every child is stopped by PID and every temp dir
// removed at the end, on error and on Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Strata } from '../dist/client/index.js';

const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const RECORD_BYTES = 100;
const LOGIN_S = Number(process.env.BENCH_LOGIN_S ?? 3);
/** Rounds of the three modes, interleaved (plain, tls, tls+scram, plain, ...): the median is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Longest a broker child may take to print its ready line. */
const BROKER_READY_MS_MAX = 30_000;

const children = new Set();
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-tls-'));

function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { cleanup(); process.exit(130); });

function openssl(args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCerts() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  openssl(['req', '-new', ...ec, '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '1', '-extfile', 'broker.ext']);
}

function startBroker(name, args) {
  const dataDir = join(dir, name);
  const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dataDir, '--port', '0', '--kafka-listen', 'off',
    '--log-level', 'warn', '--flush', 'never', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} broker did not start: ${err}`)), BROKER_READY_MS_MAX);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (wss?:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[1], child }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} broker exited with ${code}: ${err}`)); });
  });
}

function run(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, STRATA_PASSWORD: 'bench-pw' } });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => { children.delete(child); code === 0 ? resolve(out) : reject(new Error(`strata ${args[0]} ${args[1]} exited ${code}: ${err}`)); });
    child.stdin.end(input ?? '');
  });
}

async function produceRate(label, url, extra) {
  const out = await run(['perf', 'produce', '--broker', url, '--topic', 'bench', '--partitions', '1', '--num-records', String(RECORDS),
    '--record-size', String(RECORD_BYTES), '--acks', 'leader', ...extra]);
  const m = /([\d.]+) records\/sec/.exec(out);
  if (!m) throw new Error(`${label}: no rate in ${out}`);
  return Number(m[1]);
}

async function perSecond(seconds, once) {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const started = performance.now();
  while (performance.now() < end) { await once(); n++; }
  return n / ((performance.now() - started) / 1000);
}

async function main() {
  makeCerts();
  const ca = readFileSync(join(dir, 'ca.pem'));
  const tlsFlags = ['--tls-cert', join(dir, 'broker.pem'), '--tls-key', join(dir, 'broker.key')];
  await run(['user', 'create', '--data-dir', join(dir, 'scram'), 'bench', '--password-stdin'], 'bench-pw\n');
  const plain = await startBroker('plain', []);
  const tls = await startBroker('tls', tlsFlags);
  const scram = await startBroker('scram', [...tlsFlags, '--auth', 'scram', '--super-users', 'bench']);
  const caFlag = ['--tls-ca', join(dir, 'ca.pem')];
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');

  const modes = {
    plaintext: [plain.url, []],
    tls: [tls.url, caFlag],
    'tls+scram': [scram.url, [...caFlag, '--user', 'bench']],
  };
  const samples = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [mode, [url, extra]] of Object.entries(modes)) samples[mode].push(await produceRate(mode, url, extra));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rates = Object.fromEntries(Object.entries(samples).map(([m, xs]) => [m, median(xs)]));

  const port = Number(new URL(tls.url).port);
  const handshakes = await perSecond(LOGIN_S, () => new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => { s.destroy(); resolve(); });
    s.on('error', reject);
  }));
  const login = (url, opts) => async () => {
    const client = new Strata({ brokers: url, ...opts });
    await client.admin().listTopics();
    await client.close();
  };
  const plainConnects = await perSecond(LOGIN_S, login(plain.url, {}));
  const scramLogins = await perSecond(LOGIN_S, login(scram.url, { tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bench', password: 'bench-pw' } }));

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`bench-tls: ${RECORDS.toLocaleString('en-US')} records of ${RECORD_BYTES} B per run, acks=leader, --flush never, one producer, `
    + `median of ${ROUNDS} interleaved rounds; load average at start ${load}`);
  for (const [mode, r] of Object.entries(rates)) {
    console.log(`  produce ${mode.padEnd(10)} ${fmt(r).padStart(10)} records/s   ${(r / rates.plaintext).toFixed(2)}x plaintext   (runs: ${samples[mode].map(fmt).join(', ')})`);
  }
  console.log(`  TLS handshakes (tls.connect, sequential)              ${fmt(handshakes)}/s`);
  console.log(`  plaintext SDK connections (ws + ApiVersions)         ${fmt(plainConnects)}/s`);
  console.log(`  TLS + SCRAM-SHA-512 SDK logins (wss + ApiVersions + SCRAM) ${fmt(scramLogins)}/s`);
  console.log(`  load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

try {
  await main();
} finally {
  cleanup();
}
