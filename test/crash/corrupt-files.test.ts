/**
 * Damage to files that are not the log's tail, through a real broker process and the SDK:
 *   - bytes flipped inside a sealed segment: that range is reported as CorruptLogError to the
 *     consumer (never served, never silently skipped); everything else stays readable;
 *   - index files deleted, truncated or garbled: rebuilt from the log, reads and timestamp
 *     lookups unchanged;
 *   - the recovery-point checkpoint deleted, truncated or garbled: recovery scans more, nothing
 *     is lost.
 */
import { readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptLogError, Strata } from '../../client/index.js';
import { startBroker, waitFor, type BrokerChild } from './harness/broker-process.js';
import { batchesIn, buildGolden, copyOf, sdkRead, segments, TOPIC, type Golden } from './harness/fixture.js';

const CHECKPOINT = 'recovery-point-offset-checkpoint';
const CLEAN_MARKER = '.strata-clean-shutdown';

let clean: Golden;

beforeAll(async () => {
  // A clean shutdown writes the recovery-point checkpoint and the clean-shutdown marker.
  clean = await buildGolden({ batches: 60, recordsPerBatch: 4, segmentBytes: 2048, shutdown: 'clean' });
}, 60_000);
afterAll(async () => {
  await clean?.remove();
});

/**
 * Starts a broker on a damaged copy of `golden`, runs `check`, and always cleans up. Every case
 * has its own copy and broker, so the cases run side by side (describe.concurrent).
 */
async function withDamaged(golden: Golden, damage: (dir: string) => Promise<void>, check: (b: BrokerChild) => Promise<void>): Promise<void> {
  const dir = await copyOf(golden);
  let broker: BrokerChild | null = null;
  try {
    await damage(dir);
    broker = await startBroker(dir, { args: ['--segment-bytes', String(golden.segmentBytes)] });
    await check(broker);
  } finally {
    await broker?.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

function flip(buf: Buffer, at: number): void {
  buf[at] = buf[at]! ^ 0xff;
}

describe.concurrent('a sealed segment with flipped bytes', () => {
  for (const start of ['after a clean shutdown', 'after a crash, with the checkpoint past it'] as const) {
    it(`reports the corrupt range as CorruptLogError and serves the rest (${start})`, async () => {
      const segs = await segments(clean.dir);
      expect(segs.length).toBeGreaterThan(4);
      const sealed = segs[2]!;
      const batches = await batchesIn(sealed.log);
      const victim = batches[Math.floor(batches.length / 2)]!;
      await withDamaged(clean, async (dir) => {
        const path = sealed.log.replace(clean.dir, dir);
        const bytes = await readFile(path);
        flip(bytes, victim.position + victim.size - 4); // inside the records
        await writeFile(path, bytes);
        if (start !== 'after a clean shutdown') await unlink(join(dir, CLEAN_MARKER));
      }, async (broker) => {
        // Reading from the start stops at the corrupt batch with a typed error.
        const fromStart = await sdkRead(broker.url);
        expect(fromStart.values).toEqual(clean.values.slice(0, victim.baseOffset));
        expect(fromStart.error).toBeInstanceOf(CorruptLogError);
        expect(fromStart.error!.message).toContain(`byte ${victim.position}`);
        // Reading the corrupt batch itself fails too; the batch after it and the rest are fine.
        expect((await sdkRead(broker.url, victim.baseOffset + 1)).error).toBeInstanceOf(CorruptLogError);
        const after = await sdkRead(broker.url, victim.lastOffset + 1);
        expect(after.error).toBeNull();
        expect(after.values).toEqual(clean.values.slice(victim.lastOffset + 1));
        // The log end did not move and the partition still takes records.
        const client = new Strata({ brokers: broker.url });
        try {
          const [meta] = await client.producer().send({ topic: TOPIC, messages: [{ value: 'still-writable' }] });
          expect(meta!.offset).toBe(clean.values.length);
        } finally {
          await client.close();
        }
      });
    });
  }

  it('reports a garbled batch length in a sealed segment as CorruptLogError from there to the segment end', async () => {
    const segs = await segments(clean.dir);
    const sealed = segs[3]!;
    const next = segs[4]!;
    const batches = await batchesIn(sealed.log);
    const victim = batches[1]!;
    await withDamaged(clean, async (dir) => {
      const path = sealed.log.replace(clean.dir, dir);
      const bytes = await readFile(path);
      bytes.writeInt32BE(0x7fff_fff0, victim.position + 8);
      await writeFile(path, bytes);
    }, async (broker) => {
      // The broker starts (the producer-state scan skips the bad segment and says so).
      await waitFor(() => broker.find('corrupt batch while rebuilding producer state').length > 0, 5_000, 'producer-state skip log line');
      const read = await sdkRead(broker.url, sealed.base);
      expect(read.values).toEqual(clean.values.slice(sealed.base, victim.baseOffset));
      expect(read.error).toBeInstanceOf(CorruptLogError);
      expect((await sdkRead(broker.url, batches[batches.length - 1]!.baseOffset)).error).toBeInstanceOf(CorruptLogError);
      const fromNext = await sdkRead(broker.url, next.base);
      expect(fromNext.error).toBeNull();
      expect(fromNext.values).toEqual(clean.values.slice(next.base));
    });
  });
});

describe.concurrent('damaged index files', () => {
  const damages: Record<string, (path: string) => Promise<void>> = {
    deleted: (p) => unlink(p),
    'truncated to 5 bytes': (p) => truncate(p, 5),
    garbled: async (p) => {
      const bytes = await readFile(p);
      for (let i = 0; i < bytes.length; i += 3) bytes[i] = (i * 131 + 7) & 0xff;
      await writeFile(p, bytes.length > 0 ? bytes : Buffer.from('garbage-index'));
    },
  };
  for (const [how, damage] of Object.entries(damages)) {
    it(`rebuilds ${how} offset and time indexes and answers reads and timestamp lookups as before`, async () => {
      const segs = await segments(clean.dir);
      await withDamaged(clean, async (dir) => {
        for (const s of segs) {
          await damage(s.index.replace(clean.dir, dir));
          await damage(s.timeindex.replace(clean.dir, dir));
        }
      }, async (broker) => {
        for (const from of [0, 1, 37, segs[2]!.base, segs[2]!.base + 5, clean.values.length - 1]) {
          const read = await sdkRead(broker.url, from);
          expect(read.error).toBeNull();
          expect(read.firstOffset).toBe(from);
          expect(read.values).toEqual(clean.values.slice(from));
        }
        const client = new Strata({ brokers: broker.url });
        try {
          const admin = client.admin();
          // Batch b's records carry timestamps 1_700_000_000_000 + b * 1000 + i (4 per batch).
          for (const b of [0, 13, 41, 59]) {
            const found = await admin.listOffsets(TOPIC, 0, { timestamp: 1_700_000_000_000 + b * 1000 + 2 });
            expect(found.offset).toBe(b * 4 + 2);
          }
        } finally {
          await client.close();
        }
        await waitFor(() => broker.find('index is broken; rebuilding it from the log').length > 0
          || broker.find('active segment is inconsistent after a clean shutdown; recovering it').length > 0, 5_000, 'index repair log line');
      });
    });
  }
});

describe.concurrent('damaged recovery-point checkpoint', () => {
  const damages: Record<string, (path: string) => Promise<void>> = {
    deleted: (p) => unlink(p),
    truncated: async (p) => truncate(p, Math.floor((await readFile(p)).length / 2)),
    garbled: (p) => writeFile(p, '0\n1\ngolden zero 12\n'),
    'pointing past the log end': (p) => writeFile(p, `0\n1\n${TOPIC} 0 999999\n`),
  };
  for (const [how, damage] of Object.entries(damages)) {
    it(`recovers every record after a crash with the checkpoint ${how}`, async () => {
      await withDamaged(clean, async (dir) => {
        await damage(join(dir, CHECKPOINT));
        await unlink(join(dir, CLEAN_MARKER)); // as after a crash
        // And a torn tail, so that recovery has something to do.
        const segs = await segments(dir);
        const active = segs[segs.length - 1]!;
        await writeFile(active.log, Buffer.concat([await readFile(active.log), Buffer.alloc(100, 0xee)]));
      }, async (broker) => {
        await waitFor(() => broker.find('recovering log after unclean shutdown').length > 0, 5_000, 'recovery log line');
        if (how === 'garbled' || how === 'truncated') {
          await waitFor(() => broker.find('recovery checkpoint is garbled').length > 0, 5_000, 'garbled checkpoint warning');
        }
        await waitFor(() => broker.find('truncating log at the first invalid batch').length > 0, 5_000, 'truncation log line');
        const read = await sdkRead(broker.url);
        expect(read.error).toBeNull();
        expect(read.values).toEqual(clean.values);
      });
    });
  }

  it('starts without scanning after a clean shutdown even when the checkpoint is garbled', async () => {
    await withDamaged(clean, async (dir) => {
      await writeFile(join(dir, CHECKPOINT), 'not a checkpoint');
    }, async (broker) => {
      await waitFor(() => broker.find('storage opened').length > 0, 5_000, 'storage opened');
      expect(broker.find('storage opened')[0]).toMatchObject({ cleanShutdown: true });
      expect(broker.find('recovering log after unclean shutdown')).toEqual([]);
      const read = await sdkRead(broker.url);
      expect(read.values).toEqual(clean.values);
    });
  });
});
