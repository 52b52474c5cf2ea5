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
//     round, and every round starts with the ISR full again. Prints each time, p50, p99 and max.
// Everything is stopped by PID at the end. The box is shared: report the load average printed
// with the figures.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Strata } from '../dist/client/index.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const FAILOVERS = arg('--failovers', 20);
const RECORDS = arg('--records', 500_000);
const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
const BASE_PORT = 27_300;
const root = mkdtempSync(join(tmpdir(), 'strata-bench-failover-'));
const children = new Set();

function start(cmd, argv, readyText) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
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
    '--port', String(BASE_PORT + 10 + id), '--data-dir', join(root, `b${id}`), '--kafka-listen', 'off', '--log-level', 'warn'], 'listening on');
  brokers.set(id, child);
}
const kill = (child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });
const bootstrap = [1, 2, 3].map((id) => `ws://127.0.0.1:${BASE_PORT + 10 + id}`).join(',');
const cli = (...a) => execFileSync(process.execPath, [CLI, ...a, '--broker', bootstrap], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
  const client = new Strata({ brokers: bootstrap, retry: { retries: 50, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
  await client.admin().createTopic({ name: 'fo', partitions: 1, replicationFactor: 3 });
  const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
  const times = [];
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
    const ms = Date.now() - killedAt;
    times.push(ms);
    console.log(`failover ${round + 1}: broker ${leader} killed, first acknowledged send after ${ms} ms`);
    await startBroker(leader);
  }
  await producer.close();
  await client.close();
  const sorted = [...times].sort((a, b) => a - b);
  const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)];
  if (times.length > 0) console.log(`failover over ${times.length}: p50 ${median(times)} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms`);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await Promise.all([...children].map(kill));
  rmSync(root, { recursive: true, force: true });
}
