// Storage engine benchmark: append throughput per flush policy and batch size, and random-read
// latency on a multi-GiB log. Runs against the compiled engine in dist/ (`npm run bench:storage`
// builds first). Data lives under os.tmpdir() and is removed at the end.
//
//   node scripts/bench-storage.mjs [--log-gib 2] [--seconds 3] [--reads-only]
//
// Appends: each appender owns one pre-encoded batch of 100-byte records and appends it again as
// soon as the previous append resolved (`durable`, which under 'interval'/'never' is `written`):
// append() stamps offsets into the caller's buffer, so a buffer is reused only after its bytes
// are in the file. Several appenders under 'always' show group commit (fdatasyncs < appends).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../dist/broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../dist/broker/storage/log-config.js';
import { LocalLog } from '../dist/broker/storage/local-log.js';
import { encodeRecordBatch } from '../dist/proto/record-batch.js';

const RECORD_VALUE_BYTES = 100;
const KiB = 1024;
const MiB = 1024 * KiB;
const READS = 2000;
const READ_MAX_BYTES = 1 * MiB;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const logGiB = arg('--log-gib', 2);
const seconds = arg('--seconds', 3);

/** A batch of 100-byte records close to `targetBytes` (each record costs ~108 bytes). */
function makeBatch(targetBytes) {
  const count = Math.max(1, Math.floor((targetBytes - 61) / (RECORD_VALUE_BYTES + 8)));
  const value = Buffer.alloc(RECORD_VALUE_BYTES, 0x61);
  const now = Date.now();
  const records = Array.from({ length: count }, () => ({ value, timestamp: now }));
  return { buf: encodeRecordBatch(records, { now }), count };
}

async function openLog(dir, flushPolicy) {
  return LocalLog.open({
    dir, topic: 'bench', partition: 0, logger: silentLogger(), recover: false,
    config: { ...DEFAULT_LOG_CONFIG, flushPolicy, flushIntervalMs: 1000 },
  });
}

async function appendBench(root, policy, batchBytes, appenders) {
  const dir = await mkdtemp(path.join(root, 'append-'));
  const log = await openLog(dir, policy);
  // 'interval' flushes run on a timer, as the LogManager would.
  const timer = policy === 'interval' ? setInterval(() => { log.flush().catch(() => {}); }, 1000) : undefined;
  const template = makeBatch(batchBytes);
  let appends = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: appenders }, async () => {
    const buf = Buffer.from(template.buf);
    while (performance.now() < deadline) {
      await log.appendAsLeader(buf, 0).durable;
      appends++;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  if (timer) clearInterval(timer);
  const stats = log.stats;
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return {
    policy, batch: batchBytes >= MiB ? `${batchBytes / MiB} MiB` : `${batchBytes / KiB} KiB`, appenders,
    appendsPerSec: appends / elapsed,
    recordsPerSec: (appends * template.count) / elapsed,
    mbPerSec: (appends * template.buf.length) / elapsed / 1e6,
    writes: stats.writes, syncs: stats.syncs, appends,
  };
}

async function readBench(root) {
  const dir = await mkdtemp(path.join(root, 'read-'));
  const log = await openLog(dir, 'never');
  const template = makeBatch(1 * MiB);
  const total = logGiB * 1024 * MiB;
  const t0 = performance.now();
  const inflight = 8;
  const bufs = Array.from({ length: inflight }, () => Buffer.from(template.buf));
  let written = 0;
  await Promise.all(bufs.map(async (buf) => {
    while (written < total) {
      written += buf.length;
      await log.appendAsLeader(buf, 0).written;
    }
  }));
  await log.flush();
  const writeSecs = (performance.now() - t0) / 1000;
  const end = log.writtenEndOffset;
  const lat = [];
  let bytes = 0;
  for (let i = 0; i < READS; i++) {
    const offset = Math.floor(Math.random() * end);
    const s = performance.now();
    const r = await log.read(offset, READ_MAX_BYTES, end);
    lat.push(performance.now() - s);
    bytes += r.records.length;
    // As the broker does once the records are copied into a Fetch frame.
    r.release();
  }
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  const result = {
    logBytes: log.sizeBytes, segments: log.segmentCount, writeSecs, reads: READS,
    p50: q(0.5), p99: q(0.99), p999: q(0.999), max: lat[lat.length - 1], avgBytes: bytes / READS,
  };
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return result;
}

const root = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-storage-'));
try {
  const rows = [];
  // --reads-only skips the append rows (the random-read table alone takes a few seconds).
  for (const batchBytes of process.argv.includes('--reads-only') ? [] : [16 * KiB, 1 * MiB]) {
    for (const [policy, appenders] of [['always', 1], ['always', 16], ['interval', 4], ['never', 4]]) {
      rows.push(await appendBench(root, policy, batchBytes, appenders));
    }
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`\n### Append throughput (${RECORD_VALUE_BYTES}-byte records, ${seconds} s per row, ${os.cpus().length} cores, ${os.tmpdir()})\n`);
  console.log('| flush policy | batch | appenders | appends/s | records/s | MB/s | writev | fdatasync |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.policy} | ${r.batch} | ${r.appenders} | ${fmt(r.appendsPerSec)} | ${fmt(r.recordsPerSec)} | ${r.mbPerSec.toFixed(0)} | ${fmt(r.writes)} | ${fmt(r.syncs)} |`);
  }
  const rd = await readBench(root);
  console.log(`\n### Random reads (${(rd.logBytes / 2 ** 30).toFixed(2)} GiB log in ${rd.segments} segments, written in ${rd.writeSecs.toFixed(1)} s; maxBytes ${READ_MAX_BYTES / MiB} MiB; page cache warm)\n`);
  console.log('| reads | p50 ms | p99 ms | p99.9 ms | max ms | avg bytes/read | load avg (1 min) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${rd.reads} | ${rd.p50.toFixed(3)} | ${rd.p99.toFixed(3)} | ${rd.p999.toFixed(3)} | ${rd.max.toFixed(3)} | ${fmt(rd.avgBytes)} | ${os.loadavg()[0].toFixed(2)} |`);
} finally {
  await rm(root, { recursive: true, force: true });
}
