#!/usr/bin/env node
// Failover time and replication cost, on this machine, with real processes:
//
//   npm run bench:replication -- [--failovers N] [--records R]     (N default 20; R 0 skips step 1)
//
// Starts one etcd (Debian's etcd-server binary) and three `strata broker start --cluster`
// processes on loopback (fixed ports from 27300 up, temp data dirs), then:
//  1. produce throughput at RF=1 and RF=3 (one partition each, acks=all, flush always,
//     `strata perf produce` with R records of 100 B), alternating twice, medians;
//  2. N failovers: an idempotent acks=all producer sends one record at a time; the partition's
//     leader is killed with SIGKILL, and the time from the kill to the first acknowledged send
//     made after it is recorded; the dead broker is restarted on its data dir before the next
//     round, and every round starts with the ISR full again. Prints each time, p50, p99 and max,
//     and where each failover's time went (see PHASES below): the bench watches the cluster's
//     keys in etcd itself, reads the brokers' info logs (pino JSON on stderr, whose `time` is
//     the moment of the call) and the producer's debug log, all on this machine's clock.
// Everything is stopped by PID at the end. The box is shared: report the load average printed
// with the figures.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { Strata } from '../dist/client/index.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const FAILOVERS = arg('--failovers', 20);
const RECORDS = arg('--records', 500_000);
const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
const BASE_PORT = 27_300;
const root = mkdtempSync(join(tmpdir(), 'strata-bench-failover-'));
const children = new Set();

/**
 * Timed events of the failovers, in arrival order: { t (ms since the epoch), kind, ... }.
 *   expired   etcd deleted brokers/<node> (its lease ran out)          { node }
 *   state     etcd holds a new state of partitions/fo/0               { leader, epoch }
 *   serving   a broker logged it leads fo-0 ('replica role changed')   { node }
 *   learned   the producer learned fo-0's leader from Metadata         { leader }
 *   retry     the producer scheduled a retry of its batch              { delayMs, err }
 */
const events = [];
const PHASES = ['expired', 'elected', 'serving', 'learned', 'acked'];

/** Broker stderr lines are pino JSON; keep the ones that time a leadership change of fo-0. */
function brokerLogLine(node, line) {
  if (!line.startsWith('{')) return;
  let j;
  try { j = JSON.parse(line); } catch { return; }
  if (j.msg === 'replica role changed' && j.topic === 'fo' && j.partition === 0 && j.role === 'leader') events.push({ t: j.time, kind: 'serving', node });
}

/** The producer's logger: the leaders it learns and the retries it schedules. */
const producerLog = {
  debug: (f, m) => { if (m === 'learned partition leaders' && f.topic === 'fo') events.push({ t: Date.now(), kind: 'learned', leader: f.leaders?.[0] ?? -1 }); },
  info: () => {},
  warn: (f, m) => {
    if (m === 'retrying produce') events.push({ t: Date.now(), kind: 'retry', delayMs: f.delayMs, err: f.err });
    else if (m === 'connect failed') events.push({ t: Date.now(), kind: 'connect-failed', url: f.url, failures: f.failures });
  },
  error: () => {},
};

function start(cmd, argv, readyText, node) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (node !== undefined) {
    let rest = '';
    child.stderr.on('data', (d) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop();
      for (const l of lines) brokerLogLine(node, l);
    });
  }
  if (!readyText) return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready: ${argv.join(' ')}\n${out}`)), 30_000);
    const on = (d) => { out += d; if (out.includes(readyText)) { clearTimeout(timer); resolve(child); } };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  });
}

const etcdUrl = `127.0.0.1:${BASE_PORT}`;
const brokers = new Map();
async function startBroker(id) {
  const child = await start(process.execPath, [CLI, 'broker', 'start', '--node-id', String(id), '--cluster', `etcd://${etcdUrl}/bench`,
    '--port', String(BASE_PORT + 10 + id), '--data-dir', join(root, `b${id}`), '--kafka-listen', 'off', '--log-level', 'info'], 'listening on', id);
  brokers.set(id, child);
}
const kill = (child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });
const bootstrap = [1, 2, 3].map((id) => `ws://127.0.0.1:${BASE_PORT + 10 + id}`).join(',');
const cli = (...a) => execFileSync(process.execPath, [CLI, ...a, '--broker', bootstrap], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Milliseconds from the kill to each phase of one failover, from the events: the killed
 * broker's lease expiring in etcd, the state naming another leader, that broker logging it
 * leads, the producer learning it, and the acknowledgement (undefined: not seen).
 */
function breakdown(killed, killedAt, ackedAt) {
  const after = (pred) => events.find((e) => e.t >= killedAt && e.t <= ackedAt + 1_000 && pred(e));
  const expired = after((e) => e.kind === 'expired' && e.node === killed);
  const elected = after((e) => e.kind === 'state' && e.leader > 0 && e.leader !== killed);
  const newLeader = elected?.leader;
  const serving = after((e) => e.kind === 'serving' && e.node === newLeader);
  const learned = after((e) => e.kind === 'learned' && e.leader === newLeader);
  const rel = (e) => (e === undefined ? undefined : e.t - killedAt);
  return { newLeader, expired: rel(expired), elected: rel(elected), serving: rel(serving), learned: rel(learned), acked: ackedAt - killedAt };
}

try {
  await start('etcd', ['--data-dir', join(root, 'etcd'), '--listen-client-urls', `http://${etcdUrl}`, '--advertise-client-urls', `http://${etcdUrl}`,
    '--listen-peer-urls', `http://127.0.0.1:${BASE_PORT + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${BASE_PORT + 1}`,
    '--initial-cluster', `default=http://127.0.0.1:${BASE_PORT + 1}`], 'ready to serve client requests');
  for (const id of [1, 2, 3]) await startBroker(id);
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  // 1. RF=1 vs RF=3 produce throughput.
  cli('topic', 'create', 'rf1', '--replication-factor', '1');
  cli('topic', 'create', 'rf3', '--replication-factor', '3');
  const rates = { rf1: [], rf3: [] };
  for (const t of RECORDS > 0 ? ['rf1', 'rf3', 'rf1', 'rf3'] : []) {
    const line = cli('perf', 'produce', '--topic', t, '--num-records', String(RECORDS), '--record-size', '100').trim().split('\n').at(-1);
    rates[t].push(Number(/([\d.]+) records\/sec/.exec(line)[1]));
    console.log(`${t}: ${line}`);
  }
  const r1 = median(rates.rf1), r3 = median(rates.rf3);
  if (RECORDS > 0) console.log(`produce acks=all, 100 B: RF=1 ${Math.round(r1)} rec/s, RF=3 ${Math.round(r3)} rec/s, ratio ${(r3 / r1).toFixed(2)}`);

  // 2. Failovers.
  const etcd = new Etcd3({ hosts: `http://${etcdUrl}` });
  const watcher = await etcd.watch().prefix('bench/').create();
  watcher.on('delete', (kv) => {
    const m = /^bench\/brokers\/(\d+)$/.exec(kv.key.toString());
    if (m) events.push({ t: Date.now(), kind: 'expired', node: Number(m[1]) });
  });
  watcher.on('put', (kv) => {
    if (kv.key.toString() !== 'bench/partitions/fo/0') return;
    const st = JSON.parse(kv.value.toString());
    events.push({ t: Date.now(), kind: 'state', leader: st.leader, epoch: st.leaderEpoch });
  });
  // The SDK's default retry policy (100 ms doubling to 1 s, batches retried until their delivery
  // deadline): the failover an application gets without tuning.
  const client = new Strata({ brokers: bootstrap, logger: producerLog });
  await client.admin().createTopic({ name: 'fo', partitions: 1, replicationFactor: 3 });
  const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
  const times = [];
  const phases = [];
  for (let round = 0; round < FAILOVERS; round++) {
    for (let i = 0; i < 50; i++) await producer.send({ topic: 'fo', messages: [{ value: `warm${i}` }] });
    const survivor = [1, 2, 3].find((id) => brokers.has(id));
    const probe = new Strata({ brokers: `ws://127.0.0.1:${BASE_PORT + 10 + survivor}` });
    // The broker restarted last round back in the ISR, so a kill never leaves one replica alone.
    let p;
    for (const until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
      p = (await probe.admin().describeTopic('fo')).partitions[0];
      if ((p.isr.length === 3 && p.leader > 0) || Date.now() > until) break;
    }
    const leader = p.leader;
    await probe.close();
    const killedAt = Date.now();
    await kill(brokers.get(leader));
    brokers.delete(leader);
    for (;;) {
      const sentAt = Date.now();
      await producer.send({ topic: 'fo', messages: [{ value: `after${round}` }] });
      if (sentAt > killedAt) break;
    }
    const ackedAt = Date.now();
    const ms = ackedAt - killedAt;
    times.push(ms);
    const at = breakdown(leader, killedAt, ackedAt);
    phases.push(at);
    const retries = events.filter((e) => e.kind === 'retry' && e.t >= killedAt && e.t <= ackedAt);
    const show = (k) => (at[k] === undefined ? '?' : `+${at[k]}`);
    if (process.env.BENCH_TRACE) for (const e of events) if (e.t >= killedAt && e.t <= ackedAt) console.log(`    +${e.t - killedAt} ${JSON.stringify(e)}`);
    console.log(`failover ${round + 1}: broker ${leader} killed, first acknowledged send after ${ms} ms`
      + ` (lease expired ${show('expired')}, broker ${at.newLeader ?? '?'} elected ${show('elected')}, serving ${show('serving')},`
      + ` producer learned it ${show('learned')}; ${retries.length} retries, delays ${retries.map((e) => e.delayMs).join('/')} ms)`);
    await startBroker(leader);
  }
  await producer.close();
  await client.close();
  const sorted = [...times].sort((a, b) => a - b);
  const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)];
  if (times.length > 0) console.log(`failover over ${times.length}: p50 ${median(times)} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms`);
  // Each phase as the time from the previous one (ms), median and max over the rounds.
  for (let i = 0; i < PHASES.length && phases.length > 0; i++) {
    const step = phases.map((a) => (a[PHASES[i]] ?? NaN) - (i === 0 ? 0 : a[PHASES[i - 1]] ?? NaN)).filter((x) => !Number.isNaN(x));
    if (step.length === 0) continue;
    const from = i === 0 ? 'kill' : PHASES[i - 1];
    console.log(`  ${from} -> ${PHASES[i]}: median ${median(step)} ms, max ${Math.max(...step)} ms (${step.length} rounds)`);
  }
  await watcher.cancel();
  etcd.close();
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await Promise.all([...children].map(kill));
  rmSync(root, { recursive: true, force: true });
}
