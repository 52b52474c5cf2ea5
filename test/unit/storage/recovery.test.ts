import { cp, open as fsOpen, readdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptLogError } from '../../../proto/errors.js';
import type { Logger } from '../../../broker/logger.js';
import { LocalLog } from '../../../broker/storage/local-log.js';
import type { LogConfig } from '../../../broker/storage/log-config.js';
import { batch, logger, readAll, smallConfig, tempDir } from './helpers.js';

const CONFIG: LogConfig = smallConfig({ segmentBytes: 2048, indexIntervalBytes: 200 });
const name = (base: number, ext: string): string => `${String(base).padStart(20, '0')}.${ext}`;

interface Fixture {
  dir: string;
  bases: number[];
  /** Values of all records, by offset. */
  values: string[];
  /** Byte position and base offset of each batch in the active segment. */
  activeBatches: { position: number; baseOffset: number; size: number }[];
}

async function open(dir: string, recover: boolean, recoveryPoint?: number, log = logger): Promise<LocalLog> {
  return LocalLog.open({ dir, topic: 't', partition: 0, config: CONFIG, logger: log, recover, recoveryPoint });
}

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream) as unknown as Logger, lines };
}

describe('recovery', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let fixture: Fixture;
  let n = 0;

  /** A fresh copy of the fixture's directory to damage. */
  async function copy(): Promise<string> {
    const dst = path.join(root, `copy-${n++}`);
    await cp(fixture.dir, dst, { recursive: true });
    return dst;
  }

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    const dir = path.join(root, 'fixture');
    const log = await open(dir, false);
    const values: string[] = [];
    for (let i = 0; i < 40; i++) {
      const count = 1 + (i % 4);
      log.appendAsLeader(batch(count, { tag: `b${i}`, valueBytes: 10 + (i % 3) * 15 }), 0);
      for (let j = 0; j < count; j++) values.push(`b${i}-${j}`);
    }
    await log.flush();
    const bases = log.segmentBaseOffsets();
    const activeBatches: Fixture['activeBatches'] = [];
    let position = 0;
    for await (const h of log.scanBatchHeaders(bases.at(-1)!, log.writtenEndOffset)) {
      activeBatches.push({ position, baseOffset: h.baseOffset, size: 12 + h.batchLength });
      position += 12 + h.batchLength;
    }
    // Left as a crash would leave it: handles closed, active indexes preallocated, untrimmed.
    await log.abandon();
    fixture = { dir, bases, values, activeBatches };
    expect(bases.length).toBeGreaterThanOrEqual(3);
    expect(activeBatches.length).toBeGreaterThanOrEqual(3);
  });
  afterAll(async () => cleanup());

  async function expectPrefix(log: LocalLog, count: number): Promise<void> {
    expect(log.logEndOffset).toBe(count);
    expect(log.writtenEndOffset).toBe(count);
    const recs = await readAll(log, 0, 300);
    expect(recs.map((r) => r.value)).toEqual(fixture.values.slice(0, count));
    // Index lookups land on the right batch from every offset.
    for (let o = 0; o < count; o += 7) {
      const r = await log.read(o, 1, log.writtenEndOffset);
      expect(r.records.length).toBeGreaterThan(0);
    }
  }

  it('recovers an unclean log with nothing damaged to exactly what was written', async () => {
    const dir = await copy();
    const log = await open(dir, true);
    await expectPrefix(log, fixture.values.length);
    await log.close();
  });

  it('recovers to exactly the valid prefix when the active segment is cut at every byte of its last batch', async () => {
    const last = fixture.activeBatches.at(-1)!;
    const activeLog = name(fixture.bases.at(-1)!, 'log');
    const dir = await copy();
    const original = await readFile(path.join(dir, activeLog));
    for (let cut = last.position; cut < last.position + last.size; cut++) {
      await writeFile(path.join(dir, activeLog), original.subarray(0, cut));
      const clean = cut % 2 === 0; // a clean open must notice the torn tail too
      const log = await open(dir, !clean, clean ? undefined : fixture.bases.at(-1));
      expect(log.logEndOffset).toBe(last.baseOffset);
      expect((await stat(path.join(dir, activeLog))).size).toBe(last.position);
      const tail = await log.read(last.baseOffset - 1, 1 << 20, log.writtenEndOffset);
      expect(tail.records.length).toBeGreaterThan(0);
      await log.abandon();
    }
    const log = await open(dir, true);
    await expectPrefix(log, last.baseOffset);
    await log.appendAsLeader(batch(1, { tag: 'next' }), 0).written;
    expect((await readAll(log, last.baseOffset)).map((r) => r.value)).toEqual(['next-0']);
    await log.close();
  });

  it('truncates at a corrupt batch in the middle of the active segment and logs what it dropped', async () => {
    const dir = await copy();
    const mid = fixture.activeBatches[1]!;
    const file = path.join(dir, name(fixture.bases.at(-1)!, 'log'));
    const sizeBefore = (await stat(file)).size;
    const fh = await open_(file);
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, mid.position + 70);
    buf[0] ^= 0x5a;
    await fh.write(buf, 0, 1, mid.position + 70);
    await fh.close();
    const { logger: cap, lines } = capture();
    const log = await open(dir, true, fixture.bases.at(-1), cap);
    await expectPrefix(log, mid.baseOffset);
    const warn = lines.find((l) => l.msg === 'truncating log at the first invalid batch');
    expect(warn).toMatchObject({ file, position: mid.position, bytesDropped: sizeBefore - mid.position });
    expect(String(warn!.reason)).toMatch(/CRC/);
    await log.close();
  });

  it('deletes every later segment when a sealed segment after the recovery point is corrupt', async () => {
    const dir = await copy();
    const sealed = fixture.bases[1]!;
    const file = path.join(dir, name(sealed, 'log'));
    // Break the length field of the third batch.
    const positions: number[] = [];
    const data = await readFile(file);
    for (let p = 0; p < data.length; p += 12 + data.readInt32BE(p + 8)) positions.push(p);
    data.writeInt32BE(5, positions[2]! + 8);
    await writeFile(file, data);
    const firstBad = Number(data.readBigInt64BE(positions[2]!));
    const log = await open(dir, true, fixture.bases[1]);
    await expectPrefix(log, firstBad);
    expect(log.segmentBaseOffsets()).toEqual([fixture.bases[0], sealed]);
    const files = await readdir(dir);
    for (const b of fixture.bases.slice(2)) expect(files).not.toContain(name(b, 'log'));
    await log.close();
  });

  it('does not scan sealed segments before the recovery point, and reads of them report corruption', async () => {
    const dir = await copy();
    const file = path.join(dir, name(fixture.bases[0]!, 'log'));
    const data = await readFile(file);
    data[data.length - 5] ^= 0xff; // payload of the last batch: only its CRC notices
    await writeFile(file, data);
    const log = await open(dir, true, fixture.bases.at(-1));
    expect(log.logEndOffset).toBe(fixture.values.length);
    const lastOfFirst = fixture.bases[1]! - 1;
    await expect(log.read(lastOfFirst, 1 << 20, log.writtenEndOffset)).rejects.toBeInstanceOf(CorruptLogError);
    await expect(log.read(0, 10, log.writtenEndOffset)).resolves.toBeDefined();
    await log.close();
  });

  it('opens cleanly without scanning sealed segments (a corrupt payload there goes unnoticed until read)', async () => {
    const clean = await copy();
    const log0 = await open(clean, true);
    await log0.close(); // now a cleanly closed log
    const file = path.join(clean, name(fixture.bases[1]!, 'log'));
    const data = await readFile(file);
    data[100] ^= 0xff;
    await writeFile(file, data);
    const log = await open(clean, false);
    expect(log.logEndOffset).toBe(fixture.values.length);
    const err = await readAll(log, 0, 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptLogError);
    expect(String((err as Error).message)).toContain(name(fixture.bases[1]!, 'log'));
    await log.close();
  });

  it('reports a broken batch header in the middle of a sealed segment as CorruptLogError for that range only', async () => {
    const dir = await copy();
    await (await open(dir, true)).close();
    const file = path.join(dir, name(fixture.bases[1]!, 'log'));
    const data = await readFile(file);
    const positions: { pos: number; base: number }[] = [];
    for (let p = 0; p < data.length; p += 12 + data.readInt32BE(p + 8)) positions.push({ pos: p, base: Number(data.readBigInt64BE(p)) });
    const victim = positions[Math.floor(positions.length / 2)]!;
    data.writeInt32BE(0x7fffffff, victim.pos + 8); // absurd batchLength
    await writeFile(file, data);
    for (const verifyCrcOnRead of [true, false]) {
      const log = await LocalLog.open({ dir, topic: 't', partition: 0, config: { ...CONFIG, verifyCrcOnRead }, logger, recover: false });
      const err = await log.read(victim.base, 1 << 20, log.writtenEndOffset).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptLogError);
      expect((err as Error).message).toContain(`byte ${victim.pos}`);
      // Before the damage, and in later segments, reads still work.
      expect((await log.read(fixture.bases[1]!, 1, log.writtenEndOffset)).records.length).toBeGreaterThan(0);
      expect((await log.read(fixture.bases[2]!, 1 << 20, log.writtenEndOffset)).records.length).toBeGreaterThan(0);
      await log.close();
    }
  });

  it('recovers a zero-filled tail (preallocated or delayed-allocation blocks) to the last real batch', async () => {
    const dir = await copy();
    const file = path.join(dir, name(fixture.bases.at(-1)!, 'log'));
    const size = (await stat(file)).size;
    await truncate(file, size + 4096);
    for (const clean of [false, true]) {
      const log = await open(dir, !clean);
      await expectPrefix(log, fixture.values.length);
      expect((await stat(file)).size).toBe(size);
      await log.close();
      await truncate(file, size + 100);
    }
  });

  it('rebuilds missing or garbled index files, sealed and active', async () => {
    const dir = await copy();
    await (await open(dir, true)).close();
    const sealedIndex = path.join(dir, name(fixture.bases[1]!, 'index'));
    const sealedTimeIndex = path.join(dir, name(fixture.bases[0]!, 'timeindex'));
    const activeIndex = path.join(dir, name(fixture.bases.at(-1)!, 'index'));
    const good = await readFile(sealedIndex);
    expect(good.length).toBeGreaterThan(8);
    await unlink(sealedIndex);
    await writeFile(sealedTimeIndex, Buffer.alloc(25, 0xee)); // not a whole number of entries
    await writeFile(activeIndex, Buffer.from([0, 0, 0, 9, 0, 0, 0x7f, 0xff])); // points past the log
    const log = await open(dir, false);
    await expectPrefix(log, fixture.values.length);
    await log.close();
    expect(await readFile(sealedIndex)).toEqual(good);
    expect((await stat(sealedTimeIndex)).size % 12).toBe(0);
    expect((await stat(activeIndex)).size % 8).toBe(0);
  });

  it('removes stray temp files and index files without a log', async () => {
    const dir = await copy();
    const strays = [name(fixture.bases[0]!, 'index') + '.tmp', 'x.cleaned', 'y.swap', name(99999, 'index')];
    for (const s of strays) await writeFile(path.join(dir, s), 'junk');
    const log = await open(dir, true);
    const files = await readdir(dir);
    for (const s of strays) expect(files).not.toContain(s);
    await expectPrefix(log, fixture.values.length);
    await log.close();
  });
});

function open_(file: string) {
  return fsOpen(file, 'r+');
}
