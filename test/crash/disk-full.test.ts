/**
 * A full disk, for real: the broker process runs on an 8 MiB tmpfs this test mounts. Produce
 * must fail with the retriable NotEnoughSpaceError (not hang, not corrupt), reads keep serving
 * every acknowledged record, and writing resumes by itself once space is freed. Where mounting
 * is not permitted, the same scenario runs with ENOSPC injected at the OS boundary of the
 * broker process (harness/fault-preload.mjs).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotEnoughSpaceError, Strata } from '../../client/index.js';
import { ErrorCode } from '../../proto/errors.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { startBroker, waitFor, type BrokerChild, type StartOptions } from './harness/broker-process.js';
import { produceBody, readPartition, WireClient } from './harness/wire-client.js';

const run = promisify(execFile);
const PRELOAD = fileURLToPath(new URL('./harness/fault-preload.mjs', import.meta.url));
const FS_BYTES = 8 * 1024 * 1024;
/** Space held by a filler file and given back mid-test. */
const FILLER_BYTES = 1024 * 1024;
const RECORD_BYTES = 32 * 1024;

let root: string;
let mode: 'tmpfs' | 'injected';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-diskfull-'));
  if (process.env.STRATA_DISK_FULL_INJECT === '1') {
    mode = 'injected'; // to exercise the fallback where mounting works too
    return;
  }
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${FS_BYTES}`, 'tmpfs', root]);
    mode = 'tmpfs';
  } catch (err) {
    console.warn(`[disk-full] cannot mount a tmpfs (${(err as Error).message.split('\n')[0]}); injecting ENOSPC instead`);
    mode = 'injected';
  }
});
afterAll(async () => {
  if (mode === 'tmpfs') await run('umount', ['-l', root]).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

describe('a full disk', () => {
  it('fails produce with NotEnoughSpaceError, keeps serving reads, and resumes when space is freed', async () => {
    const dataDir = join(root, 'data');
    const faultDir = join(root, 'faults');
    await mkdir(dataDir);
    await mkdir(faultDir);
    const filler = join(root, 'filler');
    await writeFile(filler, Buffer.alloc(FILLER_BYTES, 1));
    const opts: StartOptions = { args: ['--segment-bytes', String(1024 * 1024)] };
    if (mode === 'injected') opts.env = { NODE_OPTIONS: `--import=${PRELOAD}`, STRATA_FAULT_DIR: faultDir };
    let broker: BrokerChild | null = await startBroker(dataDir, opts);
    const client = new Strata({ brokers: broker.url, retry: { retries: 1, initialRetryTimeMs: 5, maxRetryTimeMs: 10 } });
    let raw: WireClient | null = null;
    try {
      await client.admin().createTopic({ name: 'full' });
      const producer = client.producer({ lingerMs: 0 });
      const acked: string[] = [];
      let failure: unknown = null;
      // Fill the disk (or, injected, fail once ~2 MiB are in).
      for (let i = 0; i < 2 * FS_BYTES / RECORD_BYTES && failure === null; i++) {
        if (mode === 'injected' && i === 64) await writeFile(join(faultDir, 'write-enospc'), 'full-0/');
        const value = `r${i}:`.padEnd(RECORD_BYTES, 'z');
        try {
          const [meta] = await producer.send({ topic: 'full', messages: [{ value }] });
          expect(meta!.offset).toBe(acked.length);
          acked.push(value);
        } catch (err) {
          failure = err;
        }
      }
      expect(failure).toBeInstanceOf(NotEnoughSpaceError);
      expect((failure as NotEnoughSpaceError).retriable).toBe(true);
      expect(acked.length).toBeGreaterThan(10);

      // On the wire: a per-partition NOT_ENOUGH_SPACE marked retriable, nothing appended.
      raw = await WireClient.handshake(broker.url);
      const res = await raw.request(produceBody('full', 0, encodeRecordBatch([{ value: Buffer.alloc(RECORD_BYTES, 7) }])));
      expect(res.produce!.topics![0]!.partitions![0]!.error).toMatchObject({ code: ErrorCode.NOT_ENOUGH_SPACE, retriable: true });

      // Reads keep working and serve exactly the acknowledged records.
      let contents = await readPartition(raw, 'full', 0);
      expect(contents.records.map((r) => r.value!.toString())).toEqual(acked);

      // Space comes back: the same partition takes records again, right after the last one.
      if (mode === 'tmpfs') await unlink(filler);
      else await unlink(join(faultDir, 'write-enospc'));
      const [resumed] = await producer.send({ topic: 'full', messages: [{ value: 'after-space-freed' }] });
      expect(resumed!.offset).toBe(acked.length);
      acked.push('after-space-freed');
      contents = await readPartition(raw, 'full', 0);
      expect(contents.records.map((r) => r.value!.toString())).toEqual(acked);
      await waitFor(() => broker!.find('write failed; failing queued appends').length > 0, 5_000, 'write failure log line');

      // And nothing torn was left behind: a crash and restart recovers the same records.
      raw.close();
      await client.close();
      await broker.kill();
      broker = await startBroker(dataDir, opts);
      raw = await WireClient.handshake(broker.url);
      contents = await readPartition(raw, 'full', 0);
      expect(contents.records.map((r) => r.value!.toString())).toEqual(acked);
    } finally {
      raw?.terminate();
      await client.close();
      await broker?.kill();
    }
  });
});
