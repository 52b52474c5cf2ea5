// How low can end-to-end latency go on this machine, for any Node broker? (issue 4: "e2e at
// 100k rec/s, flush always: p50 <= 2, p99 <= 5, p99.9 <= 10 ms")
//
//   npm run bench:e2e-floor -- [--rate 100000] [--seconds 15] [--warmup-seconds 3] [--rounds 3]
//                               [--record-size 100] [--modes floor-fsync,floor-append,floor-nofsync,strata]
//
// Runs, alternately in each round, the same fixed-rate workload through:
//   - floor-fsync: the least a Node broker with fsync-before-ack can do. A bare `ws` server (with
//     bufferutil, as Strata uses) writes each incoming frame into a preallocated file with
//     writeSync, group-commits fdatasync on the threadpool, and once the fdatasync covering a
//     frame returns, acks it to the producer and pushes the frame's bytes to every consumer. No
//     protobuf, no RecordBatch, no CRC, no offsets, no indexes, no fetch requests (push instead
//     of long poll): each of those is work Strata does and the floor does not.
//   - floor-append: as floor-fsync, but appending to a growing file, as a log segment grows
//     (Strata's .log files are not preallocated): each fdatasync then also commits the new size
//     and block allocation through the filesystem journal.
//   - floor-nofsync: as floor-fsync without the fdatasync, to show what the disk adds.
//   - strata: `strata perf e2e` against a Strata broker process with --flush always (the consumer
//     tails by push delivery, the SDK's default).
//   - strata-nopush: as strata with `--no-push` (the consumer long-polls fetches): not run unless
//     named in --modes, to compare the two in the same minutes.
// Each mode gets its own server process and its own client process; the client sends every
// millisecond what is due at --rate (as `strata perf e2e` does: one frame per millisecond, the
// send time in the first 8 bytes of each record), and a consumer connection in the same client
// process takes the latency from that send time to the moment the data reaches it. Latencies are
// weighted per record and taken after the warm-up. Two processes on two cores, as in Strata's run.
//
// Prints one markdown table of medians over the rounds (and every round's figures), with the
// CPU steal of each run read from /proc/stat. The floor says which part of a latency tail is the
// machine (scheduling two busy processes and a threadpool on two shared vCPUs) rather than code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { installCleanupHandlers, makeTempDir, startChild, stopChild, waitForLine } from './bench/processes.mjs';

const HERE = fileURLToPath(import.meta.url);
const CLI = path.join(path.dirname(HERE), '..', 'dist', 'broker', 'cli', 'main.js');
/**
 * The floor server's file, filled with zeros up front and written round-robin, so appends never
 * allocate blocks (a sparse or growing file makes each fdatasync commit metadata too).
 */
const FLOOR_FILE_BYTES = 64 * 2 ** 20;
/** Bytes of the send time at the front of each record. */
const SEND_TIME_BYTES = 8;
/** Records in one frame at most (as the Strata tool's RECORDS_PER_SEND_MAX). */
const RECORDS_PER_FRAME_MAX = 2_000;
/** How often the harness samples a client's CPU time. */
const CPU_SAMPLE_MS = 200;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// --- floor server (child process) ---------------------------------------------------------------
if (process.argv[2] === '--floor-server') {
  const [dir, mode] = process.argv.slice(3);
  const fsync = mode !== 'floor-nofsync';
  const append = mode === 'floor-append';
  const fd = fs.openSync(path.join(dir, 'floor.log'), 'w+');
  if (!append) {
    const zeros = Buffer.alloc(2 ** 20);
    for (let at = 0; at < FLOOR_FILE_BYTES; at += zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, at);
    fs.fsyncSync(fd);
  }
  let position = 0;
  /** Frames written but not yet covered by an fdatasync: [producer socket, frame]. */
  let waiting = [];
  let syncing = false;
  const consumers = new Set();
  const publish = (frames) => {
    for (const [producer, frame] of frames) {
      producer.send(frame.subarray(0, SEND_TIME_BYTES));
      for (const c of consumers) c.send(frame);
    }
  };
  const syncNext = () => {
    if (syncing || waiting.length === 0) return;
    syncing = true;
    const covered = waiting;
    waiting = [];
    fs.fdatasync(fd, (err) => {
      if (err) throw err;
      syncing = false;
      publish(covered);
      syncNext();
    });
  };
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 2 ** 20 });
  wss.on('connection', (socket, req) => {
    if (req.url === '/consume') {
      consumers.add(socket);
      socket.on('close', () => consumers.delete(socket));
      return;
    }
    socket.on('message', (frame) => {
      if (!append && position + frame.length > FLOOR_FILE_BYTES) position = 0;
      fs.writeSync(fd, frame, 0, frame.length, position);
      position += frame.length;
      if (!fsync) { publish([[socket, frame]]); return; }
      waiting.push([socket, frame]);
      syncNext();
    });
  });
  wss.on('listening', () => console.log(`listening ws://127.0.0.1:${wss.address().port}`));
  process.on('SIGTERM', () => { wss.close(); fs.closeSync(fd); process.exit(0); });
}

// --- floor client (child process) ---------------------------------------------------------------
else if (process.argv[2] === '--floor-client') {
  const [url, rateArg, secondsArg, warmupArg, sizeArg] = process.argv.slice(3);
  const [rate, seconds, warmupMs, recordSize] = [Number(rateArg), Number(secondsArg), Number(warmupArg) * 1000, Number(sizeArg)];
  const open = (u) => new Promise((resolve, reject) => {
    const ws = new WebSocket(u, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  const producer = await open(`${url}/produce`);
  const consumer = await open(`${url}/consume`);
  const total = Math.round(rate * seconds);
  // Latency histogram in 10 µs buckets up to 10 s, weighted per record.
  const buckets = new Float64Array(1_000_000);
  let received = 0;
  let measured = 0;
  const startMs = performance.now();
  const done = new Promise((resolve) => {
    consumer.on('message', (frame) => {
      const now = performance.now();
      const sentAt = frame.readDoubleLE(0);
      const n = frame.length / recordSize;
      received += n;
      if (sentAt - startMs >= warmupMs) {
        buckets[Math.min(buckets.length - 1, Math.floor((now - sentAt) * 100))] += n;
        measured += n;
      }
      if (received >= total) resolve();
    });
  });
  const template = Buffer.alloc(recordSize, 0x61);
  // What is due each millisecond goes at once, and never less: a sender that sent one record
  // whenever it was not ahead would spin without yielding to the consumer.
  const perSlice = Math.max(1, Math.min(RECORDS_PER_FRAME_MAX, Math.round(rate / 1000)));
  let sent = 0;
  while (sent < total) {
    const dueMs = startMs + (sent / rate) * 1000;
    const waitMs = dueMs - performance.now();
    if (waitMs >= 1) await new Promise((r) => setTimeout(r, waitMs));
    const due = Math.min(total, Math.max(sent + perSlice, Math.floor(((performance.now() - startMs) * rate) / 1000)));
    const n = Math.min(due - sent, RECORDS_PER_FRAME_MAX);
    const frame = Buffer.allocUnsafe(n * recordSize);
    const sendTimeMs = performance.now();
    for (let j = 0; j < n; j++) {
      template.copy(frame, j * recordSize);
      frame.writeDoubleLE(sendTimeMs, j * recordSize);
    }
    producer.send(frame);
    sent += n;
  }
  await done;
  const quantile = (q) => {
    let seen = 0;
    for (let i = 0; i < buckets.length; i++) {
      seen += buckets[i];
      if (seen >= q * measured) return (i + 1) / 100;
    }
    return NaN;
  };
  console.log(`RESULT ${JSON.stringify({ p50: quantile(0.5), p99: quantile(0.99), p999: quantile(0.999), records: measured })}`);
  producer.close();
  consumer.close();
}

// --- harness ------------------------------------------------------------------------------------
else {
  const rate = Number(arg('--rate', 100_000));
  const seconds = Number(arg('--seconds', 15));
  const warmupSeconds = Number(arg('--warmup-seconds', 3));
  const rounds = Number(arg('--rounds', 3));
  const recordSize = Number(arg('--record-size', 100));
  const MODES = ['floor-fsync', 'floor-append', 'floor-nofsync', 'strata', 'strata-nopush'];
  const modes = String(arg('--modes', MODES.filter((m) => m !== 'strata-nopush').join(','))).split(',');
  const unknown = modes.filter((m) => !MODES.includes(m));
  if (unknown.length > 0) {
    process.stderr.write(`bench-e2e-floor: unknown mode(s) ${unknown.join(', ')}; known: ${MODES.join(', ')}\n`);
    process.exit(2);
  }
  installCleanupHandlers();

  /** Total and steal jiffies of all CPUs, from the first line of /proc/stat. */
  const cpuTimes = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  };

  /** user+sys CPU seconds of a live process (from /proc/PID/stat; NaN once it is gone). */
  const cpuSeconds = (pid) => {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return NaN;
    }
  };

  async function runMode(mode) {
    const dir = await makeTempDir('e2e-floor');
    const server = mode.startsWith('strata')
      ? startChild('strata broker', process.execPath, [CLI, 'broker', 'start', '--data-dir', path.join(dir, 'data'), '--host', '127.0.0.1',
        '--port', '0', '--kafka-listen', 'off', '--flush', 'always', '--log-level', 'warn'], { dirs: [dir] })
      : startChild('floor server', process.execPath, [HERE, '--floor-server', dir, mode], { dirs: [dir] });
    try {
      const [url] = await waitForLine(server, /wss?:\/\/[^\s"'()]+/);
      const c0 = cpuTimes();
      const client = mode.startsWith('strata')
        ? startChild('strata perf e2e', process.execPath, [CLI, 'perf', 'e2e', '--rate', String(rate), '--seconds', String(seconds),
          '--warmup-seconds', String(warmupSeconds), '--record-size', String(recordSize), '--broker', url,
          ...(mode === 'strata-nopush' ? ['--no-push'] : [])])
        : startChild('floor client', process.execPath, [HERE, '--floor-client', url, String(rate), String(seconds), String(warmupSeconds), String(recordSize)]);
      // The client's CPU is sampled while it runs (its /proc entry goes with it): the last sample
      // misses at most the final CPU_SAMPLE_MS of its life, spent printing and closing.
      let clientCpu = 0;
      const sampler = setInterval(() => { clientCpu = cpuSeconds(client.child.pid) || clientCpu; }, CPU_SAMPLE_MS);
      const { code } = await client.exited;
      clearInterval(sampler);
      const serverCpu = cpuSeconds(server.child.pid);
      const c1 = cpuTimes();
      if (code !== 0) throw new Error(`${mode} client exited with ${code}:\n${client.output}`);
      const steal = (100 * (c1.steal - c0.steal)) / (c1.total - c0.total);
      if (mode.startsWith('strata')) {
        const m = /steady state .*?([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th, ([\d.]+) ms 99\.9th/.exec(client.output);
        if (!m) throw new Error(`no steady-state line from strata perf e2e:\n${client.output}`);
        return { p50: Number(m[1]), p99: Number(m[2]), p999: Number(m[3]), steal, serverCpu, clientCpu };
      }
      const m = /RESULT (.*)/.exec(client.output);
      if (!m) throw new Error(`no result from the floor client:\n${client.output}`);
      return { ...JSON.parse(m[1]), steal, serverCpu, clientCpu };
    } finally {
      await stopChild(server);
    }
  }

  const results = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const res = await runMode(mode);
      results[mode].push(res);
      process.stderr.write(`round ${r + 1} ${mode}: p50 ${res.p50} p99 ${res.p99} p99.9 ${res.p999} ms, steal ${res.steal.toFixed(1)}%, ` +
        `CPU s server ${res.serverCpu} client ${res.clientCpu}\n`);
    }
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const f = (x) => x.toFixed(2);
  console.log(`\n### End-to-end latency floor (${rate.toLocaleString('en-US')} rec/s × ${recordSize} B, ${seconds} s per run after ${warmupSeconds} s of warm-up, ${rounds} rounds, modes alternated)\n`);
  console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, ${new Date().toISOString()}.\n`);
  console.log('| mode | p50 ms | p99 ms | p99.9 ms | CPU s per run: server, client | every round: p50 / p99 / p99.9 (steal %) |');
  console.log('|---|--:|--:|--:|--:|---|');
  for (const mode of modes) {
    const rs = results[mode];
    console.log(`| ${mode} | ${f(median(rs.map((x) => x.p50)))} | ${f(median(rs.map((x) => x.p99)))} | ${f(median(rs.map((x) => x.p999)))} | ` +
      `${median(rs.map((x) => x.serverCpu)).toFixed(1)}, ${median(rs.map((x) => x.clientCpu)).toFixed(1)} | ` +
      `${rs.map((x) => `${f(x.p50)} / ${f(x.p99)} / ${f(x.p999)} (${x.steal.toFixed(0)})`).join('; ')} |`);
  }
}
