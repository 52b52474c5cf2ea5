/**
 * Torn and garbage tails of the active segment, and leftovers of interrupted segment rolls,
 * recovered by a real broker process: the log keeps exactly the whole batches before the
 * damage, logs the repair, serves nothing past it, and takes new records right after it.
 */
import { appendFile, open, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { startBroker, waitFor, type BrokerChild } from './harness/broker-process.js';
import { batchesIn, buildGolden, copyOf, sdkRead, segments, TOPIC, type BatchOnDisk, type Golden } from './harness/fixture.js';

let golden: Golden;

beforeAll(async () => {
  // ~13 segments of 2 KiB; the broker is killed, so the next start is a recovery.
  golden = await buildGolden({ batches: 60, recordsPerBatch: 4, segmentBytes: 2048, shutdown: 'unclean' });
}, 60_000);
afterAll(async () => {
  await golden?.remove();
});

/** Starts a broker on a damaged copy, runs `check`, and always cleans up. */
async function withDamaged(damage: (dir: string) => Promise<void>, check: (b: BrokerChild, dir: string) => Promise<void>): Promise<void> {
  const dir = await copyOf(golden);
  let broker: BrokerChild | null = null;
  try {
    await damage(dir);
    broker = await startBroker(dir, { args: ['--segment-bytes', String(golden.segmentBytes)] });
    await check(broker, dir);
  } finally {
    await broker?.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The log holds exactly the first `kept` records, and a new record lands at offset `kept`. */
async function expectPrefixThenAppend(broker: BrokerChild, kept: number): Promise<void> {
  const read = await sdkRead(broker.url);
  expect(read.error).toBeNull();
  expect(read.values).toEqual(golden.values.slice(0, kept));
  const client = new Strata({ brokers: broker.url });
  try {
    const [meta] = await client.producer().send({ topic: TOPIC, messages: [{ value: 'after-repair' }] });
    expect(meta!.offset).toBe(kept);
  } finally {
    await client.close();
  }
  const again = await sdkRead(broker.url, kept);
  expect(again.values).toEqual(['after-repair']);
}

async function waitForLog(broker: BrokerChild, msg: string): Promise<Record<string, unknown>> {
  await waitFor(() => broker.find(msg).length > 0, 5_000, `log line "${msg}"`);
  return broker.find(msg)[0]!;
}

/** Where the active segment is cut, given its last batch and base offset: the byte, and the records kept. */
const CUTS: Record<string, (last: BatchOnDisk, activeBase: number) => { at: number; kept: number }> = {
  'one byte short of its last batch\'s end': (last) => ({ at: last.position + last.size - 1, kept: last.baseOffset }),
  'inside the last batch\'s header': (last) => ({ at: last.position + 30, kept: last.baseOffset }),
  'inside the last batch\'s length prefix': (last) => ({ at: last.position + 3, kept: last.baseOffset }),
  'exactly at a batch boundary (nothing torn)': (last) => ({ at: last.position, kept: last.baseOffset }),
  'inside the segment\'s first batch': (_, activeBase) => ({ at: 7, kept: activeBase }),
};

// Every case damages its own copy of the golden log and starts its own broker: they run side
// by side (most of a case is a broker's node start and fsyncs, which leave the CPU to others).
describe.concurrent('torn active segment', () => {
  for (const [where, cutAt] of Object.entries(CUTS)) {
    it(`keeps the valid prefix when the active segment is cut ${where}`, async () => {
      const segs = await segments(golden.dir);
      const active = segs[segs.length - 1]!;
      const batches = await batchesIn(active.log);
      expect(batches.length).toBeGreaterThanOrEqual(2);
      const last = batches[batches.length - 1]!;
      const cut = cutAt(last, active.base);
      await withDamaged(async (dir) => {
        await truncate(active.log.replace(golden.dir, dir), cut.at);
      }, async (broker) => {
        if (cut.at !== last.position) {
          const line = await waitForLog(broker, 'truncating log at the first invalid batch');
          expect(line).toMatchObject({ position: cut.kept === active.base ? 0 : last.position });
        }
        await expectPrefixThenAppend(broker, cut.kept);
      });
    });
  }

  it('drops a zero-filled tail (blocks allocated but never written)', async () => {
    const segs = await segments(golden.dir);
    await withDamaged(async (dir) => {
      await appendFile(segs[segs.length - 1]!.log.replace(golden.dir, dir), Buffer.alloc(8192));
    }, async (broker) => {
      const line = await waitForLog(broker, 'truncating log at the first invalid batch');
      expect(line).toMatchObject({ bytesDropped: 8192 });
      await expectPrefixThenAppend(broker, golden.values.length);
    });
  });

  it('drops half a batch header written at the end', async () => {
    const segs = await segments(golden.dir);
    const half = encodeRecordBatch([{ value: Buffer.from('never-acknowledged') }]).subarray(0, 30);
    await withDamaged(async (dir) => {
      await appendFile(segs[segs.length - 1]!.log.replace(golden.dir, dir), half);
    }, async (broker) => {
      const line = await waitForLog(broker, 'truncating log at the first invalid batch');
      expect(line).toMatchObject({ bytesDropped: 30, torn: true });
      await expectPrefixThenAppend(broker, golden.values.length);
    });
  });

  it('drops a whole batch whose CRC does not match (torn inside its records)', async () => {
    const segs = await segments(golden.dir);
    const batch = encodeRecordBatch([{ value: Buffer.from('torn-record-bytes') }]);
    batch.writeBigInt64BE(BigInt(golden.values.length), 0); // the offset the broker would have stamped
    batch[batch.length - 3] ^= 0x55;
    await withDamaged(async (dir) => {
      await appendFile(segs[segs.length - 1]!.log.replace(golden.dir, dir), batch);
    }, async (broker) => {
      const line = await waitForLog(broker, 'truncating log at the first invalid batch');
      expect(String(line.reason)).toMatch(/CRC/);
      await expectPrefixThenAppend(broker, golden.values.length);
    });
  });
});

describe.concurrent('leftovers of interrupted segment rolls', () => {
  it('removes stray temp files and index files without a log, and keeps going', async () => {
    const segs = await segments(golden.dir);
    const next = String(golden.values.length).padStart(20, '0');
    const stray = ['.log.tmp', '.index.swap', '.timeindex.cleaned'].map((s) => `${next}${s}`);
    await withDamaged(async (dir) => {
      const pdir = join(dir, `${TOPIC}-0`);
      for (const name of stray) await writeFile(join(pdir, name), Buffer.alloc(100, 1));
      // A roll that created the index files of the next segment but died before its log.
      await writeFile(join(pdir, `${next}.index`), Buffer.alloc(0));
      await writeFile(join(pdir, `${next}.timeindex`), Buffer.alloc(0));
      expect(segs.length).toBeGreaterThan(1);
    }, async (broker) => {
      await waitForLog(broker, 'removing leftover temp file');
      await waitForLog(broker, 'removing index file without a log');
      await expectPrefixThenAppend(broker, golden.values.length);
    });
  });

  it('opens a just-rolled empty segment without indexes as the active one', async () => {
    const next = String(golden.values.length).padStart(20, '0');
    await withDamaged(async (dir) => {
      const fh = await open(join(dir, `${TOPIC}-0`, `${next}.log`), 'wx');
      await fh.close();
    }, async (broker) => {
      await expectPrefixThenAppend(broker, golden.values.length);
    });
  });

  it('drops an empty next segment when the segment before it lost its tail', async () => {
    const segs = await segments(golden.dir);
    const active = segs[segs.length - 1]!;
    const batches = await batchesIn(active.log);
    const next = String(golden.values.length).padStart(20, '0');
    await withDamaged(async (dir) => {
      await truncate(active.log.replace(golden.dir, dir), batches[batches.length - 1]!.position + 10);
      const fh = await open(join(dir, `${TOPIC}-0`, `${next}.log`), 'wx');
      await fh.close();
    }, async (broker) => {
      await waitForLog(broker, 'truncating log at the first invalid batch');
      await expectPrefixThenAppend(broker, batches[batches.length - 1]!.baseOffset);
    });
  });
});
