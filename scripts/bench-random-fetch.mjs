// Broker-level random-offset fetch benchmark (issue 4: "fetch at a random offset of a multi-GiB
// partition: p99 <= 2 ms, and not growing with the log's size").
//
//   npm run bench:random-fetch -- [--sizes-gib 1,4] [--fetches 5000] [--warmup 500]
//                                  [--batch-bytes 1048576] [--max-bytes 1048576] [--segment-bytes N]
//                                  [--broker-node-args "..."]
//                                  [--broker-output FILE]   (copy of the broker's stdout/stderr)
//
// Starts a real broker process (dist/broker/cli/main.js, 127.0.0.1, port 0, its own temp data
// dir, --flush interval so the fill is quick; fetches do not depend on the flush policy), creates
// a one-partition topic and fills it with 100-byte records through the SDK producer (batches of
// --batch-bytes, 2,000 records per send(), 64 sends in flight) until its .log files reach each
// size in --sizes-gib (in a child process of its own). At each size it measures fetch round trips
// at offsets drawn uniformly from [logStartOffset, highWatermark): one Fetch in flight, max_wait_ms
// 0, partition_max_bytes = max_bytes = --max-bytes (default 1 MiB, Kafka's
// max.partition.fetch.bytes default; a fetch returns at least the whole batch holding its offset,
// so it moves max(batch, max-bytes) bytes), over the real WebSocket. The call is the SDK's
// Connection.request('fetch'), the one request a consumer's poll sends: the public Consumer
// prefetches the next chunk in the background, which would put a second fetch in flight and blur
// the round trip being measured.
//
// Warm and cold reads are told apart per fetch: the broker's read_bytes in /proc/PID/io (what it
// made the block device deliver) is read before and after each round trip, outside the timed
// part. A fetch that moved it read from the disk ("cold"); one that did not was served from the
// page cache ("warm"). This matters on VMs whose host reclaims cold page cache (the development
// VM pages out file pages not touched for ~30 s), where most of a multi-GiB log is on disk only
// by the time it is read.
//
// Prints a markdown table. The broker is stopped by PID and its data dir removed at the end,
// also on error or Ctrl-C (scripts/bench/processes.mjs).
import { createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { installCleanupHandlers, makeTempDir, removeDir, startChild, stopChild, waitForLine } from './bench/processes.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'dist', 'broker', 'cli', 'main.js');
const { Strata } = await import('../dist/client/index.js');
const { Connection } = await import('../dist/client/connection.js');

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const RECORD_VALUE_BYTES = 100;
const RECORDS_PER_SEND = 2000;
const SENDS_IN_FLIGHT = 64;
const TOPIC = 'random-fetch';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const sizesGiB = String(arg('--sizes-gib', '1,4')).split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const fetches = Number(arg('--fetches', 5000));
const warmup = Number(arg('--warmup', 500));
const maxBytes = Number(arg('--max-bytes', MiB));
const batchBytes = Number(arg('--batch-bytes', MiB));
const segmentBytes = arg('--segment-bytes', undefined);
const brokerNodeArgs = String(arg('--broker-node-args', '')).split(' ').filter(Boolean);
/** Where to copy the broker's stdout and stderr (e.g. its --trace-gc lines), if anywhere. */
const brokerOutput = arg('--broker-output', undefined);

/** Bytes of the partition's .log files. */
async function logBytes(dataDir) {
  const dir = path.join(dataDir, `${TOPIC}-0`);
  let total = 0;
  for (const name of await readdir(dir)) if (name.endsWith('.log')) total += (await stat(path.join(dir, name))).size;
  return total;
}

/** user+sys CPU seconds of a process so far (from /proc/PID/stat; Linux only). */
async function cpuSeconds(pid) {
  try {
    const { readFile } = await import('node:fs/promises');
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * Seconds the main thread of `pid` has spent runnable but waiting for a CPU (second field of
 * /proc/PID/task/PID/schedstat, in ns): on shared cores, the part of a round trip that is
 * neither our code nor the kernel's work. NaN where /proc has no schedstat.
 */
async function runQueueSeconds(pid) {
  try {
    const { readFile } = await import('node:fs/promises');
    return Number((await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')).split(' ')[1]) / 1e9;
  } catch {
    return NaN;
  }
}

/**
 * Bytes `pid` has caused to be read from the block device so far (read_bytes of /proc/PID/io;
 * NaN where unreadable): a fetch served from the page cache adds nothing, one that misses adds
 * what the disk delivered. On a VM whose host reclaims cold page cache this tells warm from
 * cold reads.
 */
async function diskReadBytes(pid) {
  try {
    const { readFile } = await import('node:fs/promises');
    return Number(/read_bytes: (\d+)/.exec(await readFile(`/proc/${pid}/io`, 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

async function fill(producer, dataDir, targetBytes) {
  const payload = Buffer.alloc(RECORD_VALUE_BYTES, 0x61);
  const messages = Array.from({ length: RECORDS_PER_SEND }, () => ({ value: payload }));
  const inFlight = new Set();
  let firstError;
  let sends = 0;
  for (;;) {
    // Check the size every 256 sends (~50 MB): cheap, and overshoot is small at these sizes.
    if (sends % 256 === 0) {
      await Promise.all(inFlight);
      if (firstError) throw firstError;
      if ((await logBytes(dataDir)) >= targetBytes) return;
    }
    const p = producer.send({ topic: TOPIC, messages }).then(() => undefined, (err) => { firstError ??= err; });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    sends++;
    if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
  }
}

function fetchBody(offset) {
  return {
    maxWaitMs: 0, minBytes: 0, maxBytes,
    topics: [{ name: TOPIC, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
  };
}

// GC pauses of this (client) process, so a slow round trip can be told apart from a client GC.
const clientGc = { count: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    clientGc.count++;
    clientGc.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** p50, p99 and p99.9 of sorted latencies (NaN when there are none). */
function quantiles(sorted) {
  const q = (x) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))]);
  return { p50: q(0.5), p99: q(0.99), p999: q(0.999) };
}

/** Fetch round trips at random offsets; with `brokerPid`, each is also classed warm or cold. */
async function measure(conn, n, brokerPid) {
  const first = (await conn.request('fetch', fetchBody(0))).topics[0].partitions[0];
  const start = Number(first.logStartOffset ?? 0);
  const end = Number(first.highWatermark);
  const lat = new Float64Array(n);
  const warm = [];
  const cold = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const offset = start + Math.floor(Math.random() * (end - start));
    const disk0 = brokerPid ? await diskReadBytes(brokerPid) : 0;
    const t0 = performance.now();
    const res = await conn.request('fetch', fetchBody(offset));
    lat[i] = performance.now() - t0;
    if (brokerPid) ((await diskReadBytes(brokerPid)) > disk0 ? cold : warm).push(lat[i]);
    const p = res.topics[0].partitions[0];
    if (p.error && p.error.code) throw new Error(`fetch at ${offset} failed: ${p.error.name} ${p.error.message}`);
    if (!p.records || p.records.length === 0) throw new Error(`fetch at ${offset} returned no records`);
    bytes += p.records.length;
  }
  lat.sort();
  warm.sort((a, b) => a - b);
  cold.sort((a, b) => a - b);
  return { records: end - start, ...quantiles(lat), max: lat[n - 1], avgBytes: bytes / n, warm: quantiles(warm), cold: quantiles(cold), coldShare: cold.length / n };
}

// Fill mode (this script started as a child by the measuring process): the producer runs in its
// own process so that its heap (tens of millions of acknowledged records) and its GC cannot slow
// the measured round trips down. Measured: with the producer in the measuring process, the
// client spent 8 s in GC during 5,000 fetches after a 4 GiB fill (0.5 s after 1 GiB).
if (process.argv[2] === '--fill') {
  const [url, dir, bytes, fillBatchBytes] = process.argv.slice(3);
  const filler = new Strata({ brokers: url });
  const producer = filler.producer({ acks: 'leader', lingerMs: 5, batchBytesMax: Number(fillBatchBytes) });
  await producer.connect();
  await fill(producer, dir, Number(bytes));
  await filler.close();
  process.exit(0);
}

installCleanupHandlers();
const dataDir = await makeTempDir('random-fetch');
const brokerArgs = [...brokerNodeArgs, CLI, 'broker', 'start', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--kafka-listen', 'off',
  '--flush', 'interval', '--log-level', 'warn', ...(segmentBytes ? ['--segment-bytes', segmentBytes] : [])];
const broker = startChild('strata broker', process.execPath, brokerArgs, { dirs: [dataDir] });
if (brokerOutput) {
  const out = createWriteStream(brokerOutput);
  broker.child.stdout.on('data', (c) => out.write(c));
  broker.child.stderr.on('data', (c) => out.write(c));
}
let client;
let conn;
let failed = false;
try {
  const [url] = await waitForLine(broker, /wss?:\/\/[^\s"'()]+/);
  client = new Strata({ brokers: url });
  await client.admin().createTopic({ name: TOPIC, partitions: 1 });
  conn = new Connection({
    url, clientId: 'bench-random-fetch', connectTimeoutMs: 10_000, requestTimeoutMs: 30_000,
    inFlightRequestsMax: 1, queuedRequestsMax: 16,
  });
  await conn.connect();
  const rows = [];
  for (const gib of sizesGiB) {
    const t0 = performance.now();
    const filler = startChild('filler', process.execPath, [fileURLToPath(import.meta.url), '--fill', url, dataDir, String(gib * GiB), String(batchBytes)]);
    const { code } = await filler.exited;
    if (code !== 0) throw new Error(`filling to ${gib} GiB failed (exit ${code}):\n${filler.output}`);
    await stopChild(filler);
    const fillSecs = (performance.now() - t0) / 1000;
    const bytesOnDisk = await logBytes(dataDir);
    const load0 = os.loadavg()[0];
    await measure(conn, warmup);
    const cpu0 = await cpuSeconds(broker.child.pid);
    const wait0 = [await runQueueSeconds(broker.child.pid), await runQueueSeconds(process.pid)];
    const gc0 = { ...clientGc };
    const disk0 = await diskReadBytes(broker.child.pid);
    const m = await measure(conn, fetches, broker.child.pid);
    const disk1 = await diskReadBytes(broker.child.pid);
    const cpu1 = await cpuSeconds(broker.child.pid);
    const wait1 = [await runQueueSeconds(broker.child.pid), await runQueueSeconds(process.pid)];
    rows.push({
      gib, bytesOnDisk, fillSecs, load0, load1: os.loadavg()[0], brokerCpuMsPerFetch: ((cpu1 - cpu0) * 1000) / fetches,
      diskMiB: (disk1 - disk0) / MiB, clientGcs: clientGc.count - gc0.count, clientGcMs: clientGc.ms - gc0.ms,
      brokerWaitMsPerFetch: ((wait1[0] - wait0[0]) * 1000) / fetches, clientWaitMsPerFetch: ((wait1[1] - wait0[1]) * 1000) / fetches, ...m,
    });
    process.stderr.write(`${gib} GiB measured\n`);
  }
  const f = (x) => x.toFixed(3);
  console.log(`\n### Random-offset fetch round trips (broker process, one partition, ${RECORD_VALUE_BYTES}-byte records)\n`);
  console.log(`${fetches} fetches per size after ${warmup} warm-up fetches; one in flight; ${batchBytes} B batches; max_bytes = partition_max_bytes = ${maxBytes} B; max_wait_ms 0; ` +
    `the log was just written, but a fetch is "cold" if the broker read from the disk during it (/proc/PID/io read_bytes); ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}.\n`);
  console.log('| log size | records | fill s | p50 ms | p99 ms | p99.9 ms | max ms | avg bytes/fetch | broker CPU ms/fetch | read from disk MiB | cold fetches | warm p50 / p99 ms | cold p50 / p99 ms | run-queue wait ms/fetch: broker, client | client GCs (ms) | load avg (1 min) before → after |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---|');
  for (const r of rows) {
    console.log(`| ${(r.bytesOnDisk / GiB).toFixed(2)} GiB | ${r.records.toLocaleString('en-US')} | ${r.fillSecs.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.max)} | ` +
      `${Math.round(r.avgBytes).toLocaleString('en-US')} | ${r.brokerCpuMsPerFetch.toFixed(3)} | ${r.diskMiB.toFixed(0)} | ${(100 * r.coldShare).toFixed(1)}% | ` +
      `${f(r.warm.p50)} / ${f(r.warm.p99)} | ${f(r.cold.p50)} / ${f(r.cold.p99)} | ${r.brokerWaitMsPerFetch.toFixed(3)}, ${r.clientWaitMsPerFetch.toFixed(3)} | ${r.clientGcs} (${r.clientGcMs.toFixed(0)}) | ${r.load0.toFixed(2)} → ${r.load1.toFixed(2)} |`);
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await conn?.close().catch(() => undefined);
  await client?.close().catch(() => undefined);
  await stopChild(broker);
  await removeDir(dataDir);
}
process.exit(failed ? 1 : 0);
