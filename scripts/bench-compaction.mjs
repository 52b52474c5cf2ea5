// Does the log cleaner move the fsync-before-ack latency tail, and how fast does it clean? Runs
// against the compiled engine in dist/ (`npm run bench:compaction` builds first); data under
// os.tmpdir(), removed at the end.
//
//   node scripts/bench-compaction.mjs [--table-mib 128] [--keys 20000] [--idle-seconds 4]
//
// A compacted topic ('table', 8 MiB segments) is filled with --table-mib MiB of updates to
// --keys keys (100-byte values, 100-record batches), all sealed. Meanwhile one partition
// ('live', flush policy always) appends a 1 KiB batch and waits for its fdatasync, over and over:
// the latency an acks=all producer sees. Phases, alternating so the shared machine's load hits
// both alike:
//   idle          the cleaner does nothing;
//   cleaning      one cleaner pass over 'table' at the broker default I/O budget (32 MiB/s);
//   idle
//   unthrottled   one pass over a refilled 'table' with --cleaner-io-bytes-per-second 0.
// Prints per phase: appends, p50/p99/p99.9/max in ms, and the event-loop delay of the thread
// that appends (what the cleaner's CPU work costs it when it runs there); per pass: log size before and after,
// duration, MiB/s of log cleaned, what the cleaner read and wrote, records kept.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { silentLogger } from '../dist/broker/logger.js';
import { LogCleaner } from '../dist/broker/storage/cleaner/log-cleaner.js';
import { DEFAULT_LOG_CONFIG } from '../dist/broker/storage/log-config.js';
import { LogManager } from '../dist/broker/storage/log-manager.js';
import { encodeRecordBatch } from '../dist/proto/record-batch.js';
import { latencyLine, measureAppends } from './bench/append-latency.mjs';

const MiB = 1024 * 1024;
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const tableMiB = arg('--table-mib', 128);
const keys = arg('--keys', 20_000);
const idleSeconds = arg('--idle-seconds', 4);

const TABLE_CONFIG = {
  ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact', segmentBytes: 8 * MiB, flushPolicy: 'never', minCleanableDirtyRatio: 0,
  minCompactionLagMs: 0, retentionMs: -1,
};
const LIVE_CONFIG = { ...DEFAULT_LOG_CONFIG, flushPolicy: 'always' };
const value = Buffer.alloc(100, 0x76);
const smallValue = Buffer.alloc(1024, 0x61);

let keyCursor = 0;
function tableBatch(now) {
  const records = [];
  for (let i = 0; i < 100; i++) records.push({ key: Buffer.from(`key-${keyCursor++ % keys}`), value, timestamp: now });
  return encodeRecordBatch(records, { now });
}

async function fill(log) {
  let written = 0;
  const now = Date.now();
  while (written < tableMiB * MiB) {
    const b = tableBatch(now);
    written += b.length;
    await log.appendAsLeader(b, 0).written;
  }
  await log.maybeRoll(Number.MAX_SAFE_INTEGER);
  await log.flush();
}

/** Appends while `until()` runs; also how late the broker thread's event loop ran meanwhile. */
async function measure(live, until) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const out = await measureAppends(live, () => encodeRecordBatch([{ value: smallValue, timestamp: Date.now() }]), until);
  loop.disable();
  return { ...out, loop };
}

function report(phase, { latencies, loop }) {
  const ms = (ns) => (ns / 1e6).toFixed(1);
  console.log(`${latencyLine(phase, latencies, 12)}; event loop delay p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms`);
}
function reportPass(phase, s, ms, before, after) {
  const mib = (b) => (b / MiB).toFixed(1);
  console.log(`${''.padEnd(12)} ${phase} pass: log ${mib(before)} MiB -> ${mib(after)} MiB in ${(ms / 1000).toFixed(2)} s = ` +
    `${(before / MiB / (ms / 1000)).toFixed(1)} MiB/s of log cleaned (cleaner read ${mib(s.bytesRead)} MiB: map + rewrite, wrote ` +
    `${mib(s.bytesWritten)} MiB, throttled ${(s.throttledMs / 1000).toFixed(2)} s); records ${s.recordsRead} -> ${s.recordsKept}`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-compaction-'));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
try {
  const manager = await LogManager.open({ dataDir: dir, logger: silentLogger(), defaultConfig: DEFAULT_LOG_CONFIG });
  const live = await manager.openLog('live', 0, LIVE_CONFIG);
  console.log(`# ${os.cpus().length} CPUs, load ${load()}; table ${tableMiB} MiB over ${keys} keys, 8 MiB segments`);
  for (const [phase, ioBytesPerSecond, topic] of [['cleaning', undefined, 'table-a'], ['unthrottled', 0, 'table-b']]) {
    const table = await manager.openLog(topic, 0, TABLE_CONFIG);
    await fill(table);
    report('idle', await measure(live, () => new Promise((r) => setTimeout(r, idleSeconds * 1000))));
    const cleaner = new LogCleaner({ logger: silentLogger(), backoffMs: 1_000_000, ...(ioBytesPerSecond === undefined ? {} : { ioBytesPerSecond }) });
    const before = table.sizeBytes;
    const t0 = performance.now();
    const measured = await measure(live, () => cleaner.cleanLog(table, manager));
    const { result } = measured;
    const ms = performance.now() - t0;
    report(phase, measured);
    reportPass(phase, result, ms, before, table.sizeBytes);
    await cleaner.stop();
  }
  console.log(`# load after ${load()}`);
  await manager.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
