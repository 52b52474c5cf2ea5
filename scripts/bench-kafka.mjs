#!/usr/bin/env node
// Kafka listener throughput beside the WebSocket listener, same broker build, same box:
//
//   npm run bench:kafka -- [--records N] [--record-size B] [--runs R] [--only ws,kcat,kafkajs]
//
// One broker process (flush always, fsync before acks=all), its WebSocket and Kafka listeners on
// loopback. For each client, a fresh topic of one partition: produce N records of B bytes
// (clock: first send → last ack), then replay them from offset 0 (clock: start → last record).
//   ws       the Strata SDK (scripts/bench/strata-workload.mjs: acks all, idempotent, 1 MiB
//            batches, linger 5 ms; the same code bench:compare measures)
//   kcat     `kcat -P -t T < file` (librdkafka defaults: acks -1, batch.size 1,000,000 B,
//            linger 5 ms), a file of N lines of B-1 letters; replay `kcat -C -c N -q` to
//            /dev/null with the SDK's fetch sizes (4 MiB per partition, 16 MiB per fetch).
//            Two settings make kcat's clock measure what the SDK's does (KCAT_REPLAY_ARGS):
//            `-c N` stops it at the last record, as the SDK's; `-e` would stop it only after a
//            fetch at the high watermark, which any Kafka broker parks for fetch.wait.max.ms
//            (500 ms) because min bytes is 1: librdkafka signals end-of-partition from that
//            fetch alone. And queued.min.messages is raised from 100,000: at 100 B records three
//            4 MiB fetches exceed it, and librdkafka 2.0.2 then stops fetching until its next
//            timer (0.5-0.9 s each time, seen with `-d fetch` and strace), not when the
//            application drains the queue; the SDK bounds its prefetch in bytes instead.
//   kafkajs  sendBatch of 10,000 records (about 1 MB, the others' batch size) with acks -1 and
//            up to 4 in flight; replay with eachBatch (4 MiB per partition, 16 MiB per fetch)
// --cpu-prof DIR runs the broker under `node --cpu-prof` and writes its profile into DIR on exit.
// --runs R repeats every client R times, alternating (ws kcat kafkajs ws kcat ...) so drift on
// the box spreads over all of them, and reports medians.
// Prints a markdown table with each Kafka client's ratio to the WebSocket SDK, the broker's CPU
// time per phase (user + system from /proc, Linux only: what the listener itself costs, which
// other load on the box disturbs far less than wall time), and the CPU steal (vmstat's st
// column) and load average around the run: compare ratios within one run, not across machines.

import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHandlers, makeTempDir, removeDir, startChild, stopChild, waitForLine } from './bench/processes.mjs';
import { secondsSince } from './bench/payloads.mjs';
import * as ws from './bench/strata-workload.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'dist', 'broker', 'cli', 'main.js');
const CLIENTS = ['ws', 'kcat', 'kafkajs'];
/** kafkajs records per sendBatch: ~1 MB at 100 B, the batch size the other two clients use. */
const KAFKAJS_SEND_RECORDS = 10_000;
const KAFKAJS_SENDS_OUTSTANDING_MAX = 4;
/**
 * librdkafka's local queue bound in messages; the byte bound (queued.max.messages.kbytes, 64 MiB
 * by default) stays. See the header for why the 100,000 default is raised.
 */
const KCAT_QUEUED_MESSAGES_MIN = 1_000_000;

function usage(message) {
  if (message) process.stderr.write(`bench-kafka: ${message}\n`);
  process.stderr.write('usage: npm run bench:kafka -- [--records N] [--record-size B] [--runs R] [--only ws,kcat,kafkajs] [--cpu-prof DIR]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { records: 1_000_000, recordSize: 100, only: CLIENTS, runs: 1, cpuProfDir: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    const positive = (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 1) usage(`${flag} must be an integer above 1, got '${v}'`);
      return n;
    };
    if (flag === '--records') opts.records = positive(value());
    else if (flag === '--record-size') opts.recordSize = positive(value());
    else if (flag === '--runs') {
      const n = Number(value());
      if (!Number.isSafeInteger(n) || n < 1) usage(`--runs must be a positive integer`);
      opts.runs = n;
    }
    else if (flag === '--cpu-prof') opts.cpuProfDir = path.resolve(value());
    else if (flag === '--only') {
      opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
      for (const c of opts.only) if (!CLIENTS.includes(c)) usage(`--only takes ${CLIENTS.join(',')}, got '${c}'`);
    } else usage(`unknown option '${argv[i]}'`);
  }
  return opts;
}

function steal() {
  try {
    const out = execFileSync('vmstat', ['1', '3'], { encoding: 'utf8' }).trim().split('\n');
    const header = out[1].trim().split(/\s+/);
    const col = header.indexOf('st');
    return out.slice(2).map((l) => Number(l.trim().split(/\s+/)[col]));
  } catch {
    return [];
  }
}

function run(cmd, args, { stdin, stdout } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [stdin ? fs.openSync(stdin, 'r') : 'ignore', stdout ? fs.openSync(stdout, 'w') : 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
}

async function createTopic(url, topic) {
  execFileSync(process.execPath, [CLI, 'topic', 'create', topic, '--partitions', '1', '--broker', url]);
}

async function kcatBench({ bootstrap, url, records, recordSize, dir, runNo, cpu }) {
  const file = path.join(dir, 'lines.txt');
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const fd = fs.openSync(file, 'w');
  const chunk = 10_000;
  for (let done = 0; done < records; done += chunk) {
    const n = Math.min(chunk, records - done);
    const bytes = crypto.randomBytes(n * (recordSize - 1));
    let text = '';
    for (let i = 0; i < n; i++) {
      let line = '';
      for (let j = 0; j < recordSize - 1; j++) line += letters[bytes[i * (recordSize - 1) + j] % 26];
      text += `${line}\n`;
    }
    fs.writeSync(fd, text);
  }
  fs.closeSync(fd);
  const topic = `bench-kcat-${runNo}`;
  await createTopic(url, topic);
  cpu.lap();
  let start = process.hrtime.bigint();
  await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0'], { stdin: file });
  const produceSeconds = secondsSince(start);
  const produceCpu = cpu.lap();
  start = process.hrtime.bigint();
  await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-c', String(records), '-q',
    '-X', 'max.partition.fetch.bytes=4194304', '-X', 'fetch.max.bytes=16777216',
    '-X', `queued.min.messages=${KCAT_QUEUED_MESSAGES_MIN}`], { stdout: '/dev/null' });
  const consumeSeconds = secondsSince(start);
  const consumeCpu = cpu.lap();
  fs.rmSync(file);
  return { produceSeconds, consumeSeconds, produceCpu, consumeCpu };
}

async function kafkajsBench({ bootstrap, records, recordSize, runNo, cpu }) {
  const topic = `bench-kafkajs-${runNo}`;
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-kafka', brokers: [bootstrap], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const payloads = Array.from({ length: 1024 }, () => crypto.randomBytes(recordSize));
  const producer = kafka.producer();
  await producer.connect();
  const inFlight = new Set();
  cpu.lap();
  let start = process.hrtime.bigint();
  for (let sent = 0; sent < records; sent += KAFKAJS_SEND_RECORDS) {
    const n = Math.min(KAFKAJS_SEND_RECORDS, records - sent);
    const messages = new Array(n);
    for (let i = 0; i < n; i++) messages[i] = { value: payloads[(sent + i) % payloads.length] };
    const p = producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    if (inFlight.size >= KAFKAJS_SENDS_OUTSTANDING_MAX) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const produceSeconds = secondsSince(start);
  const produceCpu = cpu.lap();
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: topic, maxBytes: 16 * 1024 * 1024, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  cpu.lap();
  start = process.hrtime.bigint();
  await new Promise((resolve) => {
    void consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => { count += batch.messages.length; if (count >= records) resolve(); } });
  });
  const consumeSeconds = secondsSince(start);
  const consumeCpu = cpu.lap();
  await consumer.disconnect();
  return { produceSeconds, consumeSeconds, produceCpu, consumeCpu };
}

async function wsBench({ url, records, recordSize, runNo, cpu }) {
  // The SDK's connect and topic creation fall inside these laps; they cost the broker a few ms.
  cpu.lap();
  const p = await ws.produce({ url, topic: `bench-ws-${runNo}`, records, recordSize });
  const produceCpu = cpu.lap();
  const c = await ws.consume({ url, topic: `bench-ws-${runNo}`, records, recordSize });
  const consumeCpu = cpu.lap();
  return { produceSeconds: p.seconds, consumeSeconds: c.seconds, produceCpu, consumeCpu };
}

/**
 * CPU seconds (user + system) a process has used, from /proc/PID/stat; null off Linux. `lap()`
 * returns the seconds since the previous lap.
 */
function cpuMeter(pid) {
  const ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Node runs on
  const read = () => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
    } catch {
      return null;
    }
  };
  let last = read();
  return {
    lap() {
      const now = read();
      const lap = now === null || last === null ? null : now - last;
      last = now;
      return lap;
    },
  };
}

const opts = parseArgs(process.argv.slice(2));
installCleanupHandlers();
const dir = await makeTempDir('bench-kafka');
const profArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
const broker = startChild('strata broker', process.execPath, [...profArgs, CLI, 'broker', 'start', '--data-dir', path.join(dir, 'data'),
  '--port', '0', '--kafka-listen', '127.0.0.1:0', '--flush', 'always', '--log-level', 'warn'], { dirs: [dir] });
const ready = await waitForLine(broker, /(ws:\/\/\S+) and kafka:\/\/(\S+)/);
const [url, bootstrap] = [ready[1], ready[2]];
const cpu = cpuMeter(broker.child.pid);
const stealBefore = steal();
const loadBefore = os.loadavg()[0];
const samples = Object.fromEntries(opts.only.map((c) => [c, []]));
for (let runNo = 0; runNo < opts.runs; runNo++) {
  for (const client of opts.only) {
    const args = { url, bootstrap, records: opts.records, recordSize: opts.recordSize, dir, runNo, cpu };
    const r = client === 'ws' ? await wsBench(args) : client === 'kcat' ? await kcatBench(args) : await kafkajsBench(args);
    samples[client].push(r);
    process.stderr.write(`run ${runNo} ${client}: ${JSON.stringify(r)}\n`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medianOf = (rs, key) => (rs.some((r) => r[key] === null) ? null : median(rs.map((r) => r[key])));
const results = Object.fromEntries(Object.entries(samples).map(([c, rs]) => [c, {
  produceSeconds: medianOf(rs, 'produceSeconds'), consumeSeconds: medianOf(rs, 'consumeSeconds'),
  produceCpu: medianOf(rs, 'produceCpu'), consumeCpu: medianOf(rs, 'consumeCpu'),
}]));
const loadAfter = os.loadavg()[0];
const stealAfter = steal();
await stopChild(broker);
await removeDir(dir);

const mb = (opts.records * opts.recordSize) / 1e6;
const rate = (s) => `${Math.round(opts.records / s).toLocaleString('en-US')} rec/s (${(mb / s).toFixed(1)} MB/s)`;
const ratio = (client, key) => (results.ws && client !== 'ws' ? ` ${(results.ws[key] / results[client][key] * 100).toFixed(0)}%` : '');
const kcatVersion = opts.only.includes('kcat') ? /Version (\S+).*librdkafka (\S+)/s.exec(execFileSync('kcat', ['-V'], { encoding: 'utf8' })) : null;
const names = { ws: 'Strata SDK, WebSocket', kcat: `kcat ${kcatVersion?.[1] ?? ''} (librdkafka ${kcatVersion?.[2] ?? ''}), Kafka`, kafkajs: 'kafkajs 2.2.4, Kafka' };
const cpuText = (s) => (s === null ? '—' : `${s.toFixed(2)} s`);
console.log(`\n${opts.records.toLocaleString('en-US')} records × ${opts.recordSize} B, one partition, flush always, acks all, median of ${opts.runs}; `
  + `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; CPU steal % before ${stealBefore.join('/')} after ${stealAfter.join('/')}\n`);
console.log('| client | produce | replay | broker CPU: produce / replay |');
console.log('|---|---|---|---|');
for (const client of opts.only) {
  const r = results[client];
  console.log(`| ${names[client]} | ${rate(r.produceSeconds)}${ratio(client, 'produceSeconds')} | ${rate(r.consumeSeconds)}${ratio(client, 'consumeSeconds')} `
    + `| ${cpuText(r.produceCpu)} / ${cpuText(r.consumeCpu)} |`);
}
