// Does deleting a big topic stall other partitions? Runs against the compiled engine in dist/
// (`npm run bench:delete` builds first), data under os.tmpdir(), removed at the end.
//
//   node scripts/bench-delete-stall.mjs [--topic-mib 256] [--window-seconds 2]
//
// One partition ('live', flush policy always) appends a 1 KiB batch and waits for its fdatasync,
// over and over, while a second topic of --topic-mib MiB (4 partitions, 64 MiB segments) is
// deleted. Phases (idle, rm-rf, stepwise, idle, stepwise, rm-rf: alternating so the machine's
// load hits both ways alike), each at least --window-seconds long, each reporting the
// append+fdatasync latencies seen during it:
//   idle       no delete running;
//   rm-rf      the old way: the renamed directories removed at once (fs.rm recursive), what
//              LogManager.deleteLogs did before the background deleter;
//   stepwise   LogManager.deleteLogs now: rename aside, then DirDeleter (truncate in steps, unlink).
// Prints one line per phase: appends, p50/p99/p99.9/max in ms, and the delete's own duration.
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../dist/broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../dist/broker/storage/log-config.js';
import { LogManager } from '../dist/broker/storage/log-manager.js';
import { encodeRecordBatch } from '../dist/proto/record-batch.js';
import { latencyLine, measureAppends } from './bench/append-latency.mjs';

const MiB = 1024 * 1024;
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const topicMiB = arg('--topic-mib', 256);
const idleSeconds = arg('--window-seconds', 2);
const PARTITIONS = 4;

const now = Date.now();
const bigBatch = () => encodeRecordBatch(Array.from({ length: 1000 }, () => ({ value: Buffer.alloc(1000, 0x62), timestamp: now })), { now });
const smallBatch = () => encodeRecordBatch([{ value: Buffer.alloc(1024, 0x61), timestamp: now }], { now });

async function fill(manager, topic) {
  const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 64 * MiB, flushPolicy: 'never' };
  const perPartition = (topicMiB * MiB) / PARTITIONS;
  for (let p = 0; p < PARTITIONS; p++) {
    const log = await manager.openLog(topic, p, config);
    let written = 0;
    while (written < perPartition) {
      const b = bigBatch();
      written += b.length;
      await log.appendAsLeader(b, 0).written;
    }
    await log.flush();
  }
}

/** Appends to `live` until `until()` resolves; returns the latencies (ms). */
async function measure(live, until) {
  return (await measureAppends(live, smallBatch, until)).latencies;
}

function report(phase, latencies, deleteMs) {
  console.log(latencyLine(phase, latencies, 9) +
    (deleteMs === undefined ? '' : `; delete of ${topicMiB} MiB took ${deleteMs.toFixed(0)} ms`));
}

/** Runs `work` and keeps measuring until it is done and at least `windowMs` passed, so phases compare like for like. */
function windowed(work, windowMs) {
  return async () => {
    const minimum = new Promise((r) => setTimeout(r, windowMs));
    const ms = await work();
    await minimum;
    return ms;
  };
}

/** The old deleteLogs after its renames: every file unlinked at once. */
async function rmRf(manager, topic) {
  const aside = [];
  for (let p = 0; p < PARTITIONS; p++) {
    await manager.getLog(topic, p).close();
    const to = path.join(dir, `${topic}-${p}.${Date.now()}-bench`);
    await rename(path.join(dir, `${topic}-${p}`), to);
    aside.push(to);
  }
  const t0 = performance.now();
  for (const d of aside) await rm(d, { recursive: true, force: true });
  return performance.now() - t0;
}

async function stepwise(manager, topic) {
  const t0 = performance.now();
  await manager.deleteLogs(topic);
  await manager.deletesSettled();
  return performance.now() - t0;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-delete-'));
try {
  const manager = await LogManager.open({ dataDir: dir, logger: silentLogger(), defaultConfig: DEFAULT_LOG_CONFIG });
  const live = await manager.openLog('live', 0, { ...DEFAULT_LOG_CONFIG, flushPolicy: 'always' });
  console.log(`# ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; topic ${topicMiB} MiB in ${PARTITIONS} partitions; ` +
    `each phase measures for at least ${idleSeconds} s`);
  const windowMs = idleSeconds * 1000;
  // Alternating, so the shared machine's load hits both ways alike.
  const phases = [['idle'], ['rm-rf', rmRf], ['stepwise', stepwise], ['idle'], ['stepwise', stepwise], ['rm-rf', rmRf]];
  let n = 0;
  for (const [phase, del] of phases) {
    if (!del) {
      report(phase, await measure(live, () => new Promise((r) => setTimeout(r, windowMs))));
      continue;
    }
    const topic = `doomed${n++}`;
    await fill(manager, topic);
    let deleteMs = 0;
    const latencies = await measure(live, windowed(async () => (deleteMs = await del(manager, topic)), windowMs));
    report(phase, latencies, deleteMs);
  }
  console.log(`# load after ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await manager.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
