#!/usr/bin/env node
/**
 * Memory per idle connection: starts a broker child process (dist/, via the CLI), opens N idle
 * WebSocket connections on loopback (each completes the ApiVersions handshake, then stays
 * silent; ws answers the broker's pings), and reports the broker's RSS growth divided by N.
 *
 *   npm run bench:connections              # 2,000 connections
 *   node scripts/bench-connections.mjs 5000
 *
 * RSS is read from /proc/<pid>/status (Linux), after letting the broker settle; the figure
 * includes ws and socket buffers, the Connection object and per-connection timers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { encodeRequest } from '../dist/proto/messages.js';

const CONNECTIONS = Number(process.argv[2] ?? 2000);
const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));
const SETTLE_MS = 1500;

const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-conns-'));
const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dir, '--port', '0', '--kafka-listen', 'off', '--log-level', 'warn',
  '--max-connections', String(CONNECTIONS + 10)], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /ws:\/\/\S+/.exec(out);
    if (m) resolve(m[0]);
  });
  child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
});

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.once('message', () => resolve(ws));
      ws.send(encodeRequest({ correlationId: 1, apiVersions: { protocolVersion: 1, clientSoftware: 'bench-connections' } }));
    });
  });
}

try {
  // Warm up: one connection and a pause, so the baseline includes code paths already compiled.
  const warm = await connect();
  await sleep(SETTLE_MS);
  const before = rss(child.pid);
  const sockets = [warm];
  const started = performance.now();
  for (let i = 1; i < CONNECTIONS; i += 100) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(100, CONNECTIONS - i) }, connect)));
  }
  const openMs = performance.now() - started;
  await sleep(SETTLE_MS);
  const after = rss(child.pid);
  const perConn = (after - before) / (CONNECTIONS - 1);
  console.log(`${CONNECTIONS} idle connections opened in ${openMs.toFixed(0)} ms; broker RSS ${(before / 2 ** 20).toFixed(1)} MiB -> `
    + `${(after / 2 ** 20).toFixed(1)} MiB: ${(perConn / 1024).toFixed(1)} KiB per idle connection`);
  for (const s of sockets) s.terminate();
} finally {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
