// Child-process bookkeeping for the comparison benchmark.
//
// Every server and every workload process the harness starts is registered here, so that a
// normal end, an exception, or Ctrl-C (SIGINT/SIGTERM/SIGHUP) all stop them by PID and remove
// their temp dirs. Nothing is ever killed by name: only PIDs this process spawned.
//
// Concurrency contract: single-threaded harness; `stopChild` may be called for a child that has
// already exited (it then only removes the temp dir).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** How long a child gets to exit after SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** How long a server gets to start accepting connections. */
export const START_TIMEOUT_MS = 30_000;
/** Pause between two connection attempts while a server is starting. */
const CONNECT_RETRY_MS = 50;
/** How much of a child's output is kept for error messages (it is not otherwise shown). */
const OUTPUT_TAIL_BYTES_MAX = 8_192;

/** @type {Set<{ child: import('node:child_process').ChildProcess, name: string, dirs: string[] }>} */
const live = new Set();
/** Temp dirs not (or no longer) attached to a child. */
const looseDirs = new Set();
/** Set once a signal arrived: from then on no new child may start. */
let stopping = false;

/** Whether a signal asked the benchmark to stop (failures after that are not worth reporting). */
export function isStopping() { return stopping; }

/** Makes a fresh temp dir that is removed on exit even if the caller forgets. */
export async function makeTempDir(prefix) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `strata-bench-${prefix}-`));
  looseDirs.add(dir);
  return dir;
}

export async function removeDir(dir) {
  await fsp.rm(dir, { recursive: true, force: true });
  looseDirs.delete(dir);
}

/**
 * Finds a free TCP port on 127.0.0.1 by binding port 0 and closing. There is a short race
 * between closing and the server binding it; on a single-user benchmark box that is acceptable,
 * and a lost race shows up as a start failure, never as a wrong measurement.
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a child, registers it for cleanup, and keeps the tail of its output for errors.
 * `dirs` are removed when the child is stopped.
 */
export function startChild(name, command, args, { dirs = [], env, stdio } = {}) {
  if (stopping) throw new Error(`not starting ${name}: the benchmark is shutting down`);
  const child = spawn(command, args, {
    stdio: stdio ?? ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
  });
  const entry = { child, name, dirs, output: '' };
  for (const d of dirs) looseDirs.delete(d);
  live.add(entry);
  const keep = (chunk) => {
    entry.output = (entry.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES_MAX);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  entry.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => {
      entry.output += `\nspawn error: ${err.message}`;
      resolve({ code: -1, signal: null });
    });
  });
  return entry;
}

/** Resolves once `port` on 127.0.0.1 accepts a TCP connection; rejects if the child dies first. */
export async function waitForPort(entry, port, timeoutMs = START_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  entry.exited.then(() => { dead = true; });
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${entry.name} exited before accepting connections:\n${entry.output}`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => { sock.destroy(); resolve(false); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
  }
  throw new Error(`${entry.name} did not accept connections on port ${port} within ${timeoutMs} ms:\n${entry.output}`);
}

/** Resolves with the first stdout line matching `re`; rejects if the child dies or times out. */
export function waitForLine(entry, re, timeoutMs = START_TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${entry.name} printed no line matching ${re} within ${timeoutMs} ms:\n${entry.output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      buf += chunk.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const m = re.exec(line);
        if (m) { cleanup(); resolve(m); return; }
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`${entry.name} exited before it was ready:\n${entry.output}`));
    };
    function cleanup() {
      clearTimeout(timer);
      entry.child.stdout?.off('data', onData);
      entry.child.off('exit', onExit);
    }
    entry.child.stdout?.on('data', onData);
    entry.child.once('exit', onExit);
  });
}

/** Stops a child by PID: SIGTERM, then SIGKILL after `STOP_GRACE_MS`; then removes its dirs. */
export async function stopChild(entry) {
  const { child } = entry;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await entry.exited;
    clearTimeout(timer);
  }
  for (const d of entry.dirs) await fsp.rm(d, { recursive: true, force: true });
  live.delete(entry);
}

/** Synchronous last-resort cleanup: usable from 'exit' handlers, where nothing async runs. */
function killAllSync() {
  for (const entry of live) {
    const { child } = entry;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    for (const d of entry.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
  live.clear();
  for (const d of looseDirs) fs.rmSync(d, { recursive: true, force: true });
  looseDirs.clear();
}

let installed = false;

/** Installs the exit/signal/exception handlers once. */
export function installCleanupHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\nbench-compare: ${sig}, stopping ${live.size} child process(es)\n`);
      await Promise.allSettled([...live].map(stopChild));
      killAllSync();
      process.exit(130);
    });
  }
}
