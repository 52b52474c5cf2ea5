/**
 * What a benchmark phase cost the machine and each thread of this process, from /proc (Linux
 * only; elsewhere every figure is NaN). A snapshot is taken at the start and the end of a phase
 * and diffed:
 *   - per thread (/proc/self/task/<tid>/schedstat): ns on a CPU and ns runnable but waiting for
 *     one; the wait is the direct measure of CPU contention (a thread that has work but no core);
 *   - the machine (/proc/stat): busy and steal share of all CPUs (steal: time the hypervisor gave
 *     our virtual CPUs to someone else);
 *   - the disks (/proc/diskstats, whole disks only): MiB read and written, ms with I/O in flight.
 * Used by bench-compaction.mjs to tell whether the cleaner moves appends' latency through the
 * CPU or through the disk.
 */
import { readdirSync, readFileSync } from 'node:fs';

function readOr(file, fallback) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** tid → { cpuNs, waitNs } for every thread of this process. */
export function threadTimes() {
  const out = new Map();
  let tids = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    const s = readOr(`/proc/self/task/${tid}/schedstat`, '').trim().split(/\s+/);
    if (s.length >= 2) out.set(Number(tid), { cpuNs: Number(s[0]), waitNs: Number(s[1]) });
  }
  return out;
}

function cpuTicks() {
  const f = readOr('/proc/stat', '').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

function diskTotals() {
  let sectorsRead = 0;
  let sectorsWritten = 0;
  let ioMs = 0;
  for (const line of readOr('/proc/diskstats', '').split('\n')) {
    const f = line.trim().split(/\s+/);
    // Whole virtual or physical disks only; partitions would count twice.
    if (f.length < 14 || !/^(vd|sd|nvme\d+n|xvd)[a-z0-9]*$/.test(f[2]) || /^(vd|sd|xvd)[a-z]+\d+$|p\d+$/.test(f[2])) continue;
    sectorsRead += Number(f[5]);
    sectorsWritten += Number(f[9]);
    ioMs += Number(f[12]);
  }
  return { sectorsRead, sectorsWritten, ioMs };
}

export function snapshot() {
  return { at: performance.now(), threads: threadTimes(), cpu: cpuTicks(), disk: diskTotals() };
}

/**
 * What happened between two snapshots. `roles` maps a tid to a role name ('main', 'cleaner'...);
 * other threads are summed under 'other' (libuv's threadpool, V8's helpers).
 */
export function diff(a, b, roles = new Map()) {
  const byRole = {};
  for (const [tid, t1] of b.threads) {
    const t0 = a.threads.get(tid) ?? { cpuNs: 0, waitNs: 0 };
    const role = roles.get(tid) ?? 'other';
    const r = (byRole[role] ??= { cpuMs: 0, waitMs: 0 });
    r.cpuMs += (t1.cpuNs - t0.cpuNs) / 1e6;
    r.waitMs += (t1.waitNs - t0.waitNs) / 1e6;
  }
  const total = (c) => c.busy + c.idle + c.steal;
  const ticks = total(b.cpu) - total(a.cpu);
  const MiB = 1024 * 1024;
  return {
    ms: b.at - a.at,
    byRole,
    busyPct: ticks > 0 ? (100 * (b.cpu.busy - a.cpu.busy)) / ticks : NaN,
    stealPct: ticks > 0 ? (100 * (b.cpu.steal - a.cpu.steal)) / ticks : NaN,
    diskReadMiB: ((b.disk.sectorsRead - a.disk.sectorsRead) * 512) / MiB,
    diskWriteMiB: ((b.disk.sectorsWritten - a.disk.sectorsWritten) * 512) / MiB,
    diskBusyMs: b.disk.ioMs - a.disk.ioMs,
  };
}

/** One line: per role CPU ms and run-queue wait ms, machine busy/steal, disk traffic. */
export function diffLine(d) {
  const roles = Object.entries(d.byRole).map(([role, r]) => `${role} cpu ${r.cpuMs.toFixed(0)} wait ${r.waitMs.toFixed(0)}`).join(', ');
  return `threads (ms): ${roles}; machine busy ${d.busyPct.toFixed(0)}% steal ${d.stealPct.toFixed(1)}%; ` +
    `disk read ${d.diskReadMiB.toFixed(1)} MiB, written ${d.diskWriteMiB.toFixed(1)} MiB, busy ${d.diskBusyMs} ms (machine-wide)`;
}

/** Linux thread id of the calling thread (a worker's own id, not the process's). */
export function currentTid() {
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}
