#!/usr/bin/env node
/**
 * Half-open HTTP upgrades against a broker process (issue 17, part 2): N TCP connections that
 * send only `GET / HTTP/1.1\r\n` and then stall (half of them) or trickle one header byte every
 * few seconds (the other half), while a real client keeps working. Reports, before / while /
 * after the flood: the real client's latency (a fresh WebSocket connect + ApiVersions, and an
 * SDK client's listTopics on a connection opened before the flood), the broker's RSS and open
 * file descriptors (/proc), and what happened to the flood's sockets.
 *
 *   npm run bench:handshake-flood                                  # 20,000 sockets, then 20 s
 *   node scripts/bench-handshake-flood.mjs --sockets 5000 --flood-seconds 10
 *   node scripts/bench-handshake-flood.mjs --reopen                # reopen every socket the broker closes
 *   node scripts/bench-handshake-flood.mjs --dist /path/to/other/dist   # an older build, for "before"
 *
 * The flood is spread over --workers child processes (default 4) so that no process of the
 * benchmark needs more file descriptors than `ulimit -n` gives (20,000 here); the broker keeps
 * the limit it inherits. The "while" phase runs until every socket has connected (or failed to)
 * once, then --flood-seconds more. By default a socket the broker closes stays closed, as in the
 * issue's probe; --reopen opens it again at once, a sustained flood that only per-IP limits
 * (the security work) can answer fully. Linux only (reads /proc).
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
const PROBE_INTERVAL_MS = 100;
const SAMPLE_INTERVAL_MS = 500;
const QUIET_PHASE_MS = 5_000;
/** Sockets a worker has connecting at once; more only queues SYNs in the kernel. */
const CONNECTING_MAX = 512;
/** Pause before a worker reopens a socket that failed to connect, so errors do not spin. */
const REOPEN_AFTER_ERROR_MS = 20;
/** A probe that takes longer than this counts as failed. */
const PROBE_TIMEOUT_MS = 5_000;
/** Longest the flood may take to open all its sockets once before the timed part starts. */
const RAMP_MS_MAX = 60_000;

if (process.argv[2] === '--worker') await worker(JSON.parse(process.argv[3]));
else await main();

// ---- the flood: one worker process ------------------------------------------------------
async function worker({ host, port, sockets, trickleMs, reopen }) {
  const open = new Set();
  const stats = { open: 0, peakOpen: 0, connecting: 0, opened: 0, failedConnects: 0, closedByBroker: 0, errors: {} };
  let flooding = true;
  let started = 0;
  const openOne = (i) => {
    stats.connecting++;
    const s = tcpConnect({ host, port });
    let connected = false;
    let timer = null;
    s.setNoDelay(true);
    s.on('connect', () => {
      connected = true;
      stats.connecting--;
      stats.opened++;
      open.add(s);
      stats.open = open.size;
      stats.peakOpen = Math.max(stats.peakOpen, open.size);
      s.write('GET / HTTP/1.1\r\n');
      if (i % 2 === 1) {
        // Trickle a header a byte at a time: never a complete request.
        const header = 'X-Trickle: ' + 'a'.repeat(1000);
        let at = 0;
        timer = setInterval(() => { if (!s.destroyed) s.write(header[at++ % header.length]); }, trickleMs);
      }
      fill();
    });
    s.on('data', () => undefined); // a 503 or 408: read and ignore, the close follows
    s.on('error', (err) => { stats.errors[err.code ?? 'error'] = (stats.errors[err.code ?? 'error'] ?? 0) + 1; });
    s.on('close', () => {
      if (timer) clearInterval(timer);
      if (!connected) { stats.connecting--; stats.failedConnects++; }
      else if (flooding) stats.closedByBroker++;
      open.delete(s);
      stats.open = open.size;
      if (flooding && reopen) setTimeout(() => { if (flooding) openOne(i); }, connected ? 0 : REOPEN_AFTER_ERROR_MS);
      fill();
    });
  };
  const fill = () => {
    while (flooding && started < sockets && stats.connecting < CONNECTING_MAX) openOne(started++);
  };
  fill();
  const report = setInterval(() => process.send({ stats }), 500);
  process.on('message', (msg) => {
    if (msg !== 'stop') return;
    flooding = false;
    for (const s of open) s.destroy();
    clearInterval(report);
    process.send({ stats, done: true }, () => process.exit(0));
  });
}

// ---- the benchmark ----------------------------------------------------------------------
async function main() {
  const { values } = parseArgs({
    options: {
      sockets: { type: 'string', default: '20000' },
      workers: { type: 'string', default: '4' },
      'flood-seconds': { type: 'string', default: '20' },
      'trickle-ms': { type: 'string', default: '3000' },
      reopen: { type: 'boolean', default: false },
      dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
      'broker-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  const sockets = Number(values.sockets);
  const workers = Number(values.workers);
  const floodMs = Number(values['flood-seconds']) * 1000;
  const trickleMs = Number(values['trickle-ms']);
  const reopen = values.reopen;
  const dist = resolve(values.dist);
  const cli = join(dist, 'broker/cli/main.js');
  const { encodeRequest, decodeResponse } = await import(pathToFileURL(join(dist, 'proto/messages.js')).href);
  const { Strata } = await import(pathToFileURL(join(dist, 'client/index.js')).href);
  const { default: WebSocket } = await import('ws');

  const help = await run(process.execPath, [cli, 'broker', 'start', '--help']);
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-flood-'));
  const args = [cli, 'broker', 'start', '--data-dir', dir, '--port', '0', '--log-level', 'warn',
    ...(help.includes('--kafka-listen') ? ['--kafka-listen', 'off'] : []), ...values['broker-arg']];
  const broker = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let brokerLog = '';
  broker.stderr.on('data', (d) => { if (brokerLog.length < 1 << 20) brokerLog += d; });
  const url = await new Promise((res, rej) => {
    let out = '';
    broker.stdout.on('data', (d) => { out += d; const m = /ws:\/\/\S+/.exec(out); if (m) res(m[0]); });
    broker.once('exit', (code) => rej(new Error(`broker exited with ${code}: ${brokerLog}`)));
  });
  const { hostname: host, port } = new URL(url);

  const samples = [];
  const probes = [];
  let phase = 'before';
  const sampler = setInterval(() => {
    try {
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${broker.pid}/status`, 'utf8'))[1]) * 1024;
      samples.push({ phase, rss, fds: readdirSync(`/proc/${broker.pid}/fd`).length });
    } catch { /* the broker is gone: its exit is reported below */ }
  }, SAMPLE_INTERVAL_MS);

  const freshConnect = () => timed(new Promise((res, rej) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', rej);
    ws.once('unexpected-response', (_req, r) => rej(new Error(`HTTP ${r.statusCode}`)));
    ws.once('open', () => ws.send(encodeRequest({ correlationId: 1, apiVersions: { protocolVersion: 1, clientSoftware: 'bench-flood' } })));
    ws.once('message', (data) => { decodeResponse(data); ws.terminate(); res(); });
  }));
  const strata = new Strata({ brokers: url, retry: { retries: 0 } });
  const admin = strata.admin();
  await admin.listTopics();
  const prober = setInterval(() => {
    const at = phase;
    void freshConnect().then((r) => probes.push({ phase: at, kind: 'connect', ...r }));
    void timed(admin.listTopics()).then((r) => probes.push({ phase: at, kind: 'listTopics', ...r }));
  }, PROBE_INTERVAL_MS);

  await sleep(QUIET_PHASE_MS);
  phase = 'while';
  const floodStats = new Map();
  const children = Array.from({ length: workers }, (_, w) => {
    const share = Math.floor(sockets / workers) + (w < sockets % workers ? 1 : 0);
    const child = fork(SELF, ['--worker', JSON.stringify({ host, port: Number(port), sockets: share, trickleMs, reopen })], { stdio: 'inherit' });
    child.on('message', (m) => floodStats.set(w, m.stats));
    return child;
  });
  // The flood lasts until every socket has connected at least once (at most RAMP_MS_MAX), then --flood-seconds more.
  const rampStart = performance.now();
  while (totals(floodStats).opened + totals(floodStats).failedConnects < sockets && performance.now() - rampStart < RAMP_MS_MAX) await sleep(200);
  const rampMs = performance.now() - rampStart;
  await sleep(floodMs);
  const peakDuring = totals(floodStats);
  phase = 'after';
  await Promise.all(children.map((c) => new Promise((res) => { c.once('exit', res); c.send('stop'); })));
  await sleep(QUIET_PHASE_MS);
  clearInterval(prober);
  clearInterval(sampler);
  await sleep(PROBE_TIMEOUT_MS / 5);
  await strata.close().catch(() => undefined);
  const brokerAlive = broker.exitCode === null;
  broker.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });

  const flood = totals(floodStats);
  console.log(`handshake flood: ${sockets} sockets (${workers} workers, half stalled after 'GET / HTTP/1.1\\r\\n', half trickling a byte every ${trickleMs} ms${reopen ? '; a socket the broker closes is opened again' : ''}) `
    + `for ${(rampMs / 1000).toFixed(1)} s to connect them all, then ${floodMs / 1000} s, against ${dist}${values['broker-arg'].length ? ` (${values['broker-arg'].join(' ')})` : ''}; probes every ${PROBE_INTERVAL_MS} ms`);
  console.log('| phase | fresh connect + ApiVersions p50 / p99 / max ms (failed) | listTopics on an open connection p50 / p99 / max ms (failed) | broker RSS max / last MiB | broker fds max / last |');
  console.log('|---|---|---|--:|--:|');
  for (const p of ['before', 'while', 'after']) {
    const s = samples.filter((x) => x.phase === p);
    console.log(`| ${p} | ${summary(probes, p, 'connect')} | ${summary(probes, p, 'listTopics')} | `
      + `${s.length ? `${mib(Math.max(...s.map((x) => x.rss)))} / ${mib(s.at(-1).rss)}` : 'n/a'} | ${s.length ? `${Math.max(...s.map((x) => x.fds))} / ${s.at(-1).fds}` : 'n/a'} |`);
  }
  console.log(`flood sockets: connected ${flood.opened} times, ${peakDuring.open} open at the end of the flood (peak ${flood.peakOpen} summed over workers), `
    + `${flood.closedByBroker} closed by the broker; connect errors ${JSON.stringify(flood.errors)}; broker ${brokerAlive ? 'still running' : 'EXITED'}`);
  const warnings = brokerLog.split('\n').filter((l) => l.includes('"level":40') || l.includes('"level":50'));
  console.log(`broker warn/error lines: ${warnings.length}${warnings.length ? `; first: ${warnings[0].slice(0, 300)}` : ''}`);
}

function mib(bytes) {
  return (bytes / 2 ** 20).toFixed(1);
}

function totals(statsByWorker) {
  const t = { open: 0, peakOpen: 0, opened: 0, failedConnects: 0, closedByBroker: 0, errors: {} };
  for (const s of statsByWorker.values()) {
    t.open += s.open;
    t.peakOpen += s.peakOpen;
    t.opened += s.opened;
    t.failedConnects += s.failedConnects;
    t.closedByBroker += s.closedByBroker;
    for (const [k, v] of Object.entries(s.errors)) t.errors[k] = (t.errors[k] ?? 0) + v;
  }
  return t;
}

function summary(probes, phase, kind) {
  const mine = probes.filter((p) => p.phase === phase && p.kind === kind);
  const ok = mine.filter((p) => p.ok).map((p) => p.ms).sort((a, b) => a - b);
  const failed = mine.length - ok.length;
  if (ok.length === 0) return `n/a (${failed} of ${mine.length})`;
  const q = (f) => ok[Math.min(ok.length - 1, Math.floor(f * ok.length))].toFixed(1);
  return `${q(0.5)} / ${q(0.99)} / ${ok[ok.length - 1].toFixed(1)} (${failed} of ${mine.length})`;
}

async function timed(promise) {
  const start = performance.now();
  let timer;
  const timeout = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('probe timeout')), PROBE_TIMEOUT_MS); });
  try {
    await Promise.race([promise, timeout]);
    return { ok: true, ms: performance.now() - start };
  } catch (err) {
    return { ok: false, ms: performance.now() - start, error: err.message };
  } finally {
    clearTimeout(timer);
    promise.catch(() => undefined);
  }
}

function run(cmd, argv) {
  return new Promise((res) => {
    const c = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.once('exit', () => res(out));
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
