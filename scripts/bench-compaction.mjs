// Does the log cleaner move the fsync-before-ack latency tail, and how fast does it clean? Runs
// against the compiled engine in dist/ (`npm run bench:compaction` builds first); data under
// os.tmpdir(), removed at the end.
//
//   node scripts/bench-compaction.mjs [--table-mib 128] [--keys 20000] [--idle-seconds 4] [--rounds 3]
//                                     [--unthrottled] [--normal-priority] [--cold] [--parts] [--part-seconds 4]
//                                     [--part-modes idle,read-warm,read-cold,map,write,map@nice19,map@idle]
//
// A compacted topic ('table', 8 MiB segments) is filled with --table-mib MiB of updates to
// --keys keys (100-byte values, 100-record batches), all sealed. Meanwhile one partition
// ('live', flush policy always) appends a 1 KiB batch and waits for its fdatasync, over and over:
// the latency an acks=all producer sees. Each of --rounds rounds runs the phases
//   idle          the cleaner does nothing;
//   cleaning      one cleaner pass over a freshly filled table at the broker default I/O budget (32 MiB/s);
//   unthrottled   (--unthrottled) the same with --cleaner-io-bytes-per-second 0;
//   cleaning-normal-prio  (--normal-priority) the default budget with the worker thread left at
//                 normal priority instead of SCHED_IDLE (thread-priority.ts): what that choice buys;
// in an order that alternates from round to round, so the shared machine's load hits all alike.
// --cold drops the table from the page cache before a pass (its reads then go to the disk).
// --parts runs, instead of whole passes, each part of a pass alone on a worker thread for
// --part-seconds (scripts/bench/cleaner-part-worker.mjs): reads from the page cache, reads from
// the disk, the key map, the writes; to tell whether the cleaner costs appends CPU or disk. A part
// named with @nice19 or @idle runs its thread at nice 19 or under SCHED_IDLE.
//
// Per phase: appends, p50/p99/p99.9/max of append -> durable in ms, the p99 of its fdatasync part
// (written -> durable), the appending thread's event-loop delay; per thread role CPU ms and run-queue
// wait ms (schedstat: runnable but no core), machine busy and steal, disk traffic (machine-wide).
// Per pass: log size before and after, MiB/s of log cleaned, bytes read and written. At the end the
// medians over rounds and each phase's p99 and p99.9 as a multiple of idle's.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { silentLogger } from '../dist/broker/logger.js';
import { LogCleaner } from '../dist/broker/storage/cleaner/log-cleaner.js';
import { CLEANER_BUFFER_BYTES_DEFAULT, CLEANER_IO_BYTES_PER_SECOND_DEFAULT } from '../dist/broker/storage/cleaner/constants.js';
import { DEFAULT_LOG_CONFIG } from '../dist/broker/storage/log-config.js';
import { LogManager } from '../dist/broker/storage/log-manager.js';
import { encodeRecordBatch } from '../dist/proto/record-batch.js';
import { percentile } from './bench/append-latency.mjs';
import { diff, diffLine, snapshot } from './bench/machine-probe.mjs';

const MiB = 1024 * 1024;
function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name) => process.argv.includes(name);
const tableMiB = arg('--table-mib', 128);
const keys = arg('--keys', 20_000);
const idleSeconds = arg('--idle-seconds', 4);
const rounds = arg('--rounds', 3);
const partSeconds = arg('--part-seconds', 4);
const cold = flag('--cold');
const parts = flag('--parts');

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

/** Drops the table's (clean, flushed) pages from the page cache: its reads then go to the disk. */
function dropFromCache(log) {
  for (const s of log.cleanableSegments()) execFileSync('dd', [`if=${s.logPath}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/**
 * Appends to `live` while `until()` runs: append -> durable latencies, their written -> durable
 * part (the fdatasync and the flusher's turn), the event-loop delay of this thread, and what the
 * machine and this process's threads did meanwhile. `roles(before)` names threads for the diff.
 */
async function measure(live, until, roles = () => new Map()) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const latencies = [];
  const syncs = [];
  const s0 = snapshot();
  loop.enable();
  let done = false;
  const job = until().finally(() => { done = true; });
  while (!done) {
    const t0 = performance.now();
    const r = live.appendAsLeader(encodeRecordBatch([{ value: smallValue, timestamp: Date.now() }]), 0);
    await r.written;
    const t1 = performance.now();
    await r.durable;
    const t2 = performance.now();
    latencies.push(t2 - t0);
    syncs.push(t2 - t1);
  }
  const result = await job;
  loop.disable();
  const machine = diff(s0, snapshot(), roles(s0));
  latencies.sort((a, b) => a - b);
  syncs.sort((a, b) => a - b);
  return { latencies, syncs, loop, machine, result };
}

const results = new Map();
function report(phase, m) {
  const f = (x) => x.toFixed(2);
  const l = m.latencies;
  const row = { p50: percentile(l, 0.5), p99: percentile(l, 0.99), p999: percentile(l, 0.999) };
  if (!results.has(phase)) results.set(phase, []);
  results.get(phase).push(row);
  console.log(`${phase.padEnd(12)} ${String(l.length).padStart(6)} appends+fdatasync, p50 ${f(row.p50)} ms, p99 ${f(row.p99)} ms, ` +
    `p99.9 ${f(row.p999)} ms, max ${f(l.at(-1))} ms; fdatasync part p99 ${f(percentile(m.syncs, 0.99))} ms; ` +
    `event loop delay p99 ${f(m.loop.percentile(99) / 1e6)} ms, max ${f(m.loop.max / 1e6)} ms`);
  console.log(`${''.padEnd(12)} ${diffLine(m.machine)}`);
}
function reportPass(phase, s, ms, before, after) {
  const mib = (b) => (b / MiB).toFixed(1);
  console.log(`${''.padEnd(12)} ${phase} pass: log ${mib(before)} MiB -> ${mib(after)} MiB in ${(ms / 1000).toFixed(2)} s = ` +
    `${(before / MiB / (ms / 1000)).toFixed(1)} MiB/s of log cleaned (cleaner read ${mib(s.bytesRead)} MiB: map + rewrite, wrote ` +
    `${mib(s.bytesWritten)} MiB, throttled ${(s.throttledMs / 1000).toFixed(2)} s); records ${s.recordsRead} -> ${s.recordsKept}`);
}

/** Threads that appeared since `before`: the cleaner's worker (the only thread a pass starts). */
function newThreadsAre(role, mainTid) {
  return (before) => {
    const roles = new Map([[mainTid, 'main']]);
    for (const tid of snapshot().threads.keys()) if (!before.threads.has(tid) && tid !== mainTid) roles.set(tid, role);
    return roles;
  };
}

async function idlePhase(live) {
  report('idle', await measure(live, () => new Promise((r) => setTimeout(r, idleSeconds * 1000)), newThreadsAre('new', process.pid)));
}

let tableSeq = 0;
async function passPhase(manager, live, phase, ioBytesPerSecond, threadPriority) {
  const table = await manager.openLog(`table-${tableSeq++}`, 0, TABLE_CONFIG);
  await fill(table);
  if (cold) dropFromCache(table);
  const cleaner = new LogCleaner({ logger: silentLogger(), backoffMs: 1_000_000, ioBytesPerSecond, threadPriority });
  const before = table.sizeBytes;
  const t0 = performance.now();
  const m = await measure(live, () => cleaner.cleanLog(table, manager), newThreadsAre('cleaner', process.pid));
  const ms = performance.now() - t0;
  report(phase + (cold ? '-cold' : ''), m);
  reportPass(phase, m.result, ms, before, table.sizeBytes);
  console.log(`${''.padEnd(12)} worker thread ${cleaner.workerThread?.tid} at ${cleaner.workerThread?.priority} priority`);
  await cleaner.stop();
}

/** CPU and run-queue wait (ms) of a child process's main thread, over its life. */
function procCpu(pid) {
  const [cpuNs, waitNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return { cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6 };
}

/** `mode` is a part (cleaner-part-worker.mjs), optionally with `@nice19` or `@idle` (SCHED_IDLE) for its thread, `@proc` (also `@proc-nice19`...) in a child process of its own session. */
async function partPhase(live, table, phase, dir) {
  const [mode, prio = ''] = phase.split('@');
  const nice = prio.startsWith('nice') ? Number(prio.slice(4)) : 0;
  const stop = new SharedArrayBuffer(4);
  const segments = table.cleanableSegments().map((s) => ({ logPath: s.logPath, baseOffset: s.baseOffset, nextOffset: s.nextOffset, size: s.writtenBytes }));
  const data = {
    mode, segments, firstDirty: 0, bytesPerSecond: CLEANER_IO_BYTES_PER_SECOND_DEFAULT, scratch: path.join(dir, 'scratch'),
    bufferBytes: CLEANER_BUFFER_BYTES_DEFAULT, nice, schedIdle: prio.includes('idle'),
  };
  const script = new URL('./bench/cleaner-part-worker.mjs', import.meta.url);
  let tid = NaN;
  let child = null;
  let worker = null;
  let finished;
  if (prio.includes('proc')) {
    // A child process in its own session, so its CPU is charged to its own autogroup (Linux CFS
    // shares the CPU between sessions first), not to this process's.
    child = fork(fileURLToPath(script), [JSON.stringify(data)], { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    finished = new Promise((resolve, reject) => {
      child.on('message', (m) => (m.tid !== undefined ? (tid = m.tid) : resolve(m)));
      child.once('error', reject);
    });
  } else {
    worker = new Worker(script, { workerData: { ...data, stop } });
    finished = new Promise((resolve, reject) => {
      worker.on('message', (m) => (m.tid !== undefined ? (tid = m.tid) : resolve(m)));
      worker.once('error', reject);
    });
  }
  let partCpu = null;
  const m = await measure(live, async () => {
    await new Promise((r) => setTimeout(r, partSeconds * 1000));
    Atomics.store(new Int32Array(stop), 0, 1);
    child?.send('stop');
    const out = await finished;
    if (child) partCpu = procCpu(child.pid);
    return out;
  }, () => new Map([[process.pid, 'main'], [tid, 'part']]));
  if (partCpu) m.machine.byRole.part = partCpu;
  if (worker) await worker.terminate();
  if (child) await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  report(phase, m);
  console.log(`${''.padEnd(12)} ${phase}: ${(m.result.bytes / MiB).toFixed(1)} MiB at ${(m.result.bytes / MiB / partSeconds).toFixed(1)} MiB/s`);
}

function summary() {
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)];
  };
  const idle = results.get('idle');
  const base = idle && { p50: med(idle.map((r) => r.p50)), p99: med(idle.map((r) => r.p99)), p999: med(idle.map((r) => r.p999)) };
  console.log(`# medians over ${rounds} rounds (append -> durable, ms), and as a multiple of idle:`);
  for (const [phase, rows] of results) {
    const m = { p50: med(rows.map((r) => r.p50)), p99: med(rows.map((r) => r.p99)), p999: med(rows.map((r) => r.p999)) };
    const x = (k) => (base ? ` (${(m[k] / base[k]).toFixed(2)}x)` : '');
    console.log(`${phase.padEnd(20)} p50 ${m.p50.toFixed(2)}${x('p50')}  p99 ${m.p99.toFixed(2)}${x('p99')}  p99.9 ${m.p999.toFixed(2)}${x('p999')}`);
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-bench-compaction-'));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
try {
  const manager = await LogManager.open({ dataDir: dir, logger: silentLogger(), defaultConfig: DEFAULT_LOG_CONFIG });
  const live = await manager.openLog('live', 0, LIVE_CONFIG);
  console.log(`# ${os.cpus().length} CPUs, load ${load()}; table ${tableMiB} MiB over ${keys} keys, 8 MiB segments; ${rounds} rounds` +
    `${parts ? `; parts, ${partSeconds} s each` : ''}${cold ? '; table dropped from the page cache before each pass' : ''}`);
  if (parts) {
    const table = await manager.openLog('table-parts', 0, TABLE_CONFIG);
    await fill(table);
    const modes = (process.argv[process.argv.indexOf('--part-modes') + 1] ?? '').includes(',') && flag('--part-modes')
      ? process.argv[process.argv.indexOf('--part-modes') + 1].split(',')
      : ['idle', 'read-warm', 'read-cold', 'map', 'write'];
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so that no part always follows the same one.
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + r) % modes.length];
        if (mode === 'idle') await idlePhase(live);
        else await partPhase(live, table, mode, dir);
      }
    }
  } else {
    const phases = ['idle', 'cleaning', ...(flag('--unthrottled') ? ['unthrottled'] : []), ...(flag('--normal-priority') ? ['cleaning-normal-prio'] : [])];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[(i + r) % phases.length];
        if (phase === 'idle') await idlePhase(live);
        else await passPhase(manager, live, phase, phase === 'unthrottled' ? 0 : undefined, phase.endsWith('normal-prio') ? 'normal' : 'idle');
      }
    }
  }
  summary();
  console.log(`# load after ${load()}`);
  await manager.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
