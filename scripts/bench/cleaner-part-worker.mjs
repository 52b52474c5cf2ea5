/**
 * One part of a cleaner pass, alone, on a worker thread like the cleaner's own, for
 * bench-compaction.mjs --parts: which part of cleaning moves appends' latency? Runs until the
 * main thread sets the stop flag, at the cleaner's I/O budget (`bytesPerSecond`, 0 unlimited):
 *   read-warm   reads the table's segments (1 MiB synchronous reads, as the cleaner does), no parsing;
 *   read-cold   the same, each segment dropped from the page cache before it is read (dd iflag=nocache);
 *   map         builds the key → offset map over the segments (the cleaner's own code: reads from
 *               the page cache, batch checks, CRC32C, key hashing);
 *   write       writes 1 MiB chunks to a scratch file with an fdatasync every 8 MiB (the cleaner's
 *               write pattern), through the threadpool as the cleaner's Segment writes go.
 * workerData: { mode, segments: [{ logPath, baseOffset, nextOffset, size }], firstDirty, bytesPerSecond,
 *               stop (SharedArrayBuffer), scratch, bufferBytes, nice (0: unchanged), schedIdle (SCHED_IDLE via chrt) }.
 * Posts { tid } when it starts and { bytes, loops } when it stops.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CleanerPace } from '../../dist/broker/storage/cleaner/cleaner-pace.js';
import { CLEANER_READ_BYTES, CLEANER_SYNC_BYTES, CLEANER_WORKER_SLICE_MS, CLEANER_WRITE_BYTES } from '../../dist/broker/storage/cleaner/constants.js';
import { IoThrottle } from '../../dist/broker/storage/cleaner/io-throttle.js';
import { OffsetMap } from '../../dist/broker/storage/cleaner/offset-map.js';
import { buildOffsetMap } from '../../dist/broker/storage/cleaner/offset-map-builder.js';
import { SegmentFile } from '../../dist/broker/storage/cleaner/segment-batches.js';
import { currentTid } from './machine-probe.mjs';

// As a worker thread: workerData and a shared stop flag. As a child process (`@proc` parts, run
// with the data as argv[2]): a 'stop' message.
const data = parentPort ? workerData : JSON.parse(process.argv[2]);
const post = (m) => (parentPort ? parentPort.postMessage(m) : process.send(m));
const { mode, segments, firstDirty, bytesPerSecond, stop, scratch, bufferBytes } = data;
let stopMessage = false;
if (!parentPort) process.on('message', () => { stopMessage = true; });
const stopFlag = stop ? new Int32Array(stop) : null;
const stopped = () => (stopFlag ? Atomics.load(stopFlag, 0) !== 0 : stopMessage);
const throttle = new IoThrottle(bytesPerSecond);
const pace = new CleanerPace(throttle, () => false, CLEANER_WORKER_SLICE_MS);
const tid = currentTid();
// The fix under test: the part's thread at a lower CPU priority (Linux: nice applies per thread).
if (data.nice) os.setPriority(tid, data.nice);
if (data.schedIdle) execFileSync('chrt', ['--idle', '-p', '0', String(tid)]);
post({ tid });

let bytes = 0;
let loops = 0;

function dropCache(file) {
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

async function readAll(cold) {
  const buf = Buffer.allocUnsafe(CLEANER_READ_BYTES);
  for (const s of segments) {
    if (stopped()) return;
    if (cold) dropCache(s.logPath);
    const fd = openSync(s.logPath, 'r');
    try {
      for (let pos = 0; pos < s.size && !stopped();) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, s.size - pos), pos);
        if (n === 0) break;
        pos += n;
        bytes += n;
        await pace.io(n);
      }
    } finally {
      closeSync(fd);
    }
  }
}

async function mapAll(map) {
  map.reset(firstDirty, 1);
  const files = segments.map((s) => new SegmentFile(s.logPath, s.baseOffset, s.size));
  try {
    const r = await buildOffsetMap(files, firstDirty, segments.at(-1).nextOffset, map, pace);
    bytes += r.bytesRead;
  } finally {
    for (const f of files) f.close();
  }
}

async function writeScratch() {
  const chunk = Buffer.alloc(CLEANER_WRITE_BYTES, 0x63);
  const fh = await open(scratch, 'w');
  try {
    let since = 0;
    // 128 MiB per file, then it starts over, so the scratch file stays bounded.
    for (let pos = 0; pos < 128 * 1024 * 1024 && !stopped(); pos += chunk.length) {
      await fh.write(chunk, 0, chunk.length, pos);
      bytes += chunk.length;
      since += chunk.length;
      if (since >= CLEANER_SYNC_BYTES) {
        await fh.datasync();
        since = 0;
      }
      await pace.io(chunk.length);
    }
    await fh.datasync();
  } finally {
    await fh.close();
    await unlink(scratch).catch(() => undefined);
  }
}

const map = mode === 'map' ? new OffsetMap(bufferBytes) : null;
while (!stopped()) {
  if (mode === 'read-warm') await readAll(false);
  else if (mode === 'read-cold') await readAll(true);
  else if (mode === 'map') await mapAll(map);
  else if (mode === 'write') await writeScratch();
  else throw new Error(`unknown part ${mode}`);
  loops++;
}
post({ bytes, loops });
// Stay until terminated, so the main thread still finds this thread's CPU times in /proc.
if (parentPort) setInterval(() => undefined, 1000);
else process.disconnect();
