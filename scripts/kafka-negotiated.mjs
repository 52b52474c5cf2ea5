#!/usr/bin/env node
// Which Kafka APIs, at which versions, each tested client sends to a real Strata broker in
// normal use, read from the clients' own logs (what the README's "What each client negotiated"
// table says):
//
//   npm run kafka:negotiated
//
// kcat (librdkafka's `-d protocol` lines "Sent <Name>Request (v<N>, ..."): -L metadata, -P plain
// and idempotent, -C from the beginning, -G a balanced consumer group (committing and leaving, then
// resuming from its commits).
// kafkajs (its debug log "Request <Name>(key: K, version: V)"): admin create/list/describe
// configs/delete topics and groups, an idempotent acks -1 producer, a consumer group that commits.
// One broker process on loopback (port 0), its data directory removed afterwards.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanupHandlers, makeTempDir, startChild, stopChild, waitForLine } from './bench/processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'dist', 'broker', 'cli', 'main.js');
/** Longest one kcat run may take; a group member is stopped (SIGTERM) after GROUP_RUN_MS. */
const KCAT_RUN_MS_MAX = 30_000;
const GROUP_RUN_MS = 8_000;

/** Runs kcat with `-d protocol`; resolves with its stderr. `stopAfterMs` sends SIGTERM (a group member's clean exit). */
function kcat(bootstrap, args, { input, stopAfterMs } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', bootstrap, '-d', 'protocol', ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), KCAT_RUN_MS_MAX);
    const stopper = stopAfterMs ? setTimeout(() => child.kill('SIGTERM'), stopAfterMs) : null;
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(killer);
      if (stopper) clearTimeout(stopper);
      resolve(stderr);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

function kcatVersions(logs) {
  const used = new Map();
  for (const m of logs.matchAll(/Sent (\w+?)Request \(v(\d+)/g)) {
    const name = m[1] === 'ApiVersion' ? 'ApiVersions' : m[1];
    (used.get(name) ?? used.set(name, new Set()).get(name)).add(Number(m[2]));
  }
  return used;
}

async function kafkajsVersions(bootstrap) {
  const { Kafka, logLevel } = await import('kafkajs');
  const used = new Map();
  const logCreator = () => ({ log }) => {
    const m = /^Request (\w+)\(key: \d+, version: (\d+)\)/.exec(log.message ?? '');
    // kafkajs calls FindCoordinator by its old name.
    if (m) m[1] = m[1] === 'GroupCoordinator' ? 'FindCoordinator' : m[1];
    if (m) (used.get(m[1]) ?? used.set(m[1], new Set()).get(m[1])).add(Number(m[2]));
  };
  const kafka = new Kafka({ clientId: 'negotiated', brokers: [bootstrap], logLevel: logLevel.DEBUG, logCreator });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'kafkajs-t', numPartitions: 2 }, { topic: 'kafkajs-gone', numPartitions: 1 }] });
  await admin.listTopics();
  await admin.describeConfigs({ resources: [{ type: 2, name: 'kafkajs-t' }], includeSynonyms: false });
  await admin.deleteTopics({ topics: ['kafkajs-gone'] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: 'kafkajs-t', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'kafkajs-g' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kafkajs-t', fromBeginning: true });
  let seen = 0;
  await new Promise((resolve) => {
    void consumer.run({ eachMessage: async () => { if (++seen === 20) resolve(); } });
  });
  await consumer.disconnect();
  await admin.listGroups();
  await admin.describeGroups(['kafkajs-g']);
  await admin.deleteGroups(['kafkajs-g']);
  await admin.disconnect();
  return used;
}

function format(used) {
  return [...used].sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => `${name} ${[...v].sort((x, y) => x - y).join('/')}`).join(', ');
}

installCleanupHandlers();
const dir = await makeTempDir('strata-negotiated-');
const broker = startChild('strata broker', process.execPath, [CLI, 'broker', 'start', '--data-dir', path.join(dir, 'data'),
  '--port', '0', '--kafka-listen', '127.0.0.1:0', '--log-level', 'warn'], { dirs: [dir] });
try {
  const ready = await waitForLine(broker, /(ws:\/\/\S+) and kafka:\/\/(\S+)/);
  const bootstrap = ready[2];
  // kcat cannot create topics: kafkajs's admin makes the one kcat uses.
  const { Kafka, logLevel } = await import('kafkajs');
  const setup = new Kafka({ clientId: 'setup', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await setup.connect();
  await setup.createTopics({ topics: [{ topic: 'kcat-t', numPartitions: 6 }] });
  await setup.disconnect();
  const lines = Array.from({ length: 60 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
  let logs = await kcat(bootstrap, ['-L']);
  logs += await kcat(bootstrap, ['-P', '-t', 'kcat-t', '-K', ':'], { input: lines });
  logs += await kcat(bootstrap, ['-P', '-t', 'kcat-t', '-X', 'enable.idempotence=true'], { input: lines });
  logs += await kcat(bootstrap, ['-C', '-t', 'kcat-t', '-o', 'beginning', '-e']);
  // First member reads from the beginning and commits; the second resumes from the commits.
  for (const from of [['-o', 'beginning'], []]) {
    logs += await kcat(bootstrap, ['-G', 'kcat-g', ...from, '-X', 'auto.commit.interval.ms=1000', 'kcat-t'], { stopAfterMs: GROUP_RUN_MS });
  }
  console.log(`| kcat (librdkafka ${(/librdkafka v([\d.]+)/.exec(logs) ?? [])[1] ?? '?'}) | ${format(kcatVersions(logs))} |`);
  console.log(`| kafkajs | ${format(await kafkajsVersions(bootstrap))} |`);
} finally {
  await stopChild(broker);
}
