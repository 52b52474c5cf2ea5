/**
 * Property: under any sequence of appends, reads, rolls, truncations, retention, clean and
 * unclean reopens (with torn tails), the log behaves like a plain in-memory list of batches.
 */
import { readdir, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError } from '../../../proto/errors.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../broker/storage/log-config.js';
import { LocalLog } from '../../../broker/storage/local-log.js';
import { batch, decodeAll, logger, tempDir } from './helpers.js';

interface ModelBatch {
  baseOffset: number;
  values: string[];
  timestamps: number[];
}

type Command =
  | { kind: 'append'; batches: { count: number; valueBytes: number; ts: number }[] }
  | { kind: 'read'; at: number; maxBytes: number }
  | { kind: 'roll' }
  | { kind: 'truncate'; at: number }
  | { kind: 'retain'; keepBytes: number }
  | { kind: 'timestamp'; ts: number }
  | { kind: 'reopen'; clean: boolean; tearAt: number; segment: number };

/** Uniform in [0, max] (or [0, max)), in steps of 1/1000; fc.double favours tiny values. */
function fraction(max: number, excludeMax = false): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: Math.round(max * 1000) - (excludeMax ? 1 : 0) }).map((n) => n / 1000);
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('append' as const),
    batches: fc.array(fc.record({ count: fc.integer({ min: 1, max: 6 }), valueBytes: fc.integer({ min: 0, max: 120 }), ts: fc.integer({ min: 0, max: 1000 }) }), { minLength: 1, maxLength: 3 }),
  }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('read' as const), at: fraction(1.1), maxBytes: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roll' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fraction(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retain' as const), keepBytes: fc.integer({ min: 0, max: 12000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('timestamp' as const), ts: fc.integer({ min: -10, max: 1100 }) }) },
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant('reopen' as const), clean: fc.boolean(), tearAt: fraction(1.5),
    segment: fraction(1, true),
  }) },
);

const CONFIG: LogConfig = {
  ...DEFAULT_LOG_CONFIG,
  segmentBytes: 3000, segmentMs: 3_600_000, retentionMs: -1, retentionBytes: -1, indexIntervalBytes: 150,
  segmentIndexBytes: 120, flushPolicy: 'always', flushIntervalMs: 1000,
};

async function run(flushPolicy: LogConfig['flushPolicy'], commands: Command[]): Promise<void> {
  const { dir, cleanup } = await tempDir('strata-model-');
  const config = { ...CONFIG, flushPolicy };
  const open = (recover: boolean): Promise<LocalLog> =>
    LocalLog.open({ dir, topic: 't', partition: 0, config, logger, recover });
  let log = await open(false);
  let model: ModelBatch[] = [];
  let start = 0;
  let tag = 0;
  const end = (): number => (model.length === 0 ? start : model.at(-1)!.baseOffset + model.at(-1)!.values.length);
  const records = (): { offset: number; value: string; ts: number }[] =>
    model.flatMap((b) => b.values.map((value, i) => ({ offset: b.baseOffset + i, value, ts: b.timestamps[i]! })));
  try {
    for (const cmd of commands) {
      switch (cmd.kind) {
        case 'append': {
          const bufs: Buffer[] = [];
          const added: ModelBatch[] = [];
          let next = end();
          for (const b of cmd.batches) {
            const t = tag++;
            const timestamps = Array.from({ length: b.count }, (_, i) => b.ts + i);
            bufs.push(batch(b.count, { tag: `m${t}`, valueBytes: b.valueBytes, timestamps }));
            added.push({ baseOffset: next, values: timestamps.map((_, i) => `m${t}-${i}`), timestamps });
            next += b.count;
          }
          const r = log.appendAsLeader(Buffer.concat(bufs), 0);
          expect(r.baseOffset).toBe(end());
          await r.durable;
          model.push(...added);
          expect(log.logEndOffset).toBe(end());
          expect(log.writtenEndOffset).toBe(end());
          break;
        }
        case 'read': {
          const offset = start + Math.floor(cmd.at * (end() - start + 2)) - (cmd.at < 0.05 ? 1 : 0);
          if (offset < start || offset > end()) {
            await expect(log.read(offset, cmd.maxBytes, log.writtenEndOffset)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
            break;
          }
          const got = decodeAll((await log.read(offset, cmd.maxBytes, log.writtenEndOffset)).records);
          if (offset === end()) {
            expect(got).toEqual([]);
            break;
          }
          const all = records();
          const first = model.find((b) => b.baseOffset + b.values.length > offset)!;
          expect(got[0]!.offset).toBe(first.baseOffset);
          const expected = all.filter((r) => r.offset >= first.baseOffset).slice(0, got.length);
          expect(got.map((r) => [r.offset, r.value])).toEqual(expected.map((r) => [r.offset, r.value]));
          break;
        }
        case 'roll':
          await log.maybeRoll(Date.now() + 2 * config.segmentMs);
          break;
        case 'truncate': {
          const offset = start + Math.floor(cmd.at * (end() - start));
          await log.truncateTo(offset);
          if (offset < end()) {
            model = model.filter((b) => b.baseOffset + b.values.length <= offset);
            if (model.length === 0 || end() < start) start = Math.max(start, end());
          }
          expect(log.logEndOffset).toBe(end());
          break;
        }
        case 'retain': {
          config.retentionBytes = cmd.keepBytes;
          await log.deleteRetainedSegments();
          config.retentionBytes = -1;
          const newStart = log.logStartOffset;
          expect(newStart).toBeGreaterThanOrEqual(start);
          if (newStart > start) {
            expect(model.some((b) => b.baseOffset === newStart) || newStart === end()).toBe(true);
            model = model.filter((b) => b.baseOffset >= newStart);
            start = newStart;
          }
          break;
        }
        case 'timestamp': {
          const hit = records().find((r) => r.ts >= cmd.ts);
          expect(await log.offsetForTimestamp(cmd.ts, log.writtenEndOffset)).toEqual(hit ? { offset: hit.offset, timestamp: hit.ts } : null);
          break;
        }
        case 'reopen': {
          if (cmd.clean) {
            await log.close();
          } else {
            await log.abandon();
            if (cmd.tearAt < 1) {
              // Tear a segment (usually the active one) as a crash mid-write or a lost page
              // would; recovery from scratch must keep exactly the batches before the tear.
              const logs = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
              const victim = cmd.segment < 0.7 ? logs.length - 1 : Math.floor(((cmd.segment - 0.7) / 0.3) * logs.length);
              const file = path.join(dir, logs[victim]!);
              const data = await readFile(file);
              const cut = Math.floor(cmd.tearAt * data.length);
              await truncate(file, cut);
              let pos = 0;
              let kept = Number(logs[victim]!.slice(0, 20));
              while (pos + 61 <= cut && pos + 12 + data.readInt32BE(pos + 8) <= cut) {
                kept = Number(data.readBigInt64BE(pos)) + data.readInt32BE(pos + 23) + 1;
                pos += 12 + data.readInt32BE(pos + 8);
              }
              model = model.filter((b) => b.baseOffset + b.values.length <= kept);
            }
          }
          log = await open(!cmd.clean);
          expect(log.logStartOffset).toBe(start);
          expect(log.logEndOffset).toBe(end());
          break;
        }
      }
    }
    // Final full comparison.
    const all: { offset: number; value: string }[] = [];
    for (let next = start; next < log.writtenEndOffset;) {
      const got = decodeAll((await log.read(next, 2000, log.writtenEndOffset)).records).filter((r) => r.offset >= next);
      all.push(...got.map((r) => ({ offset: r.offset, value: r.value })));
      next = got.at(-1)!.offset + 1;
    }
    expect(all).toEqual(records().map((r) => ({ offset: r.offset, value: r.value })));
  } finally {
    if (!log.isClosed) await log.abandon();
    await cleanup();
  }
}

describe('LocalLog against an in-memory model', () => {
  it('matches the model under random appends, reads, rolls, truncations, retention and reopens', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('always' as const, 'interval' as const, 'never' as const), fc.array(commandArb, { minLength: 1, maxLength: 40 }), run), { numRuns: Number(process.env.MODEL_RUNS ?? 150) });
  }, 60_000);
});
