/**
 * Compaction of any log, checked byte by byte against what was appended (fast-check): random
 * batches from idempotent producers and plain ones, with updates and tombstones, rolls, clock
 * moves and cleaner passes. After every pass, every batch read back from the log:
 *   - passes validateBatch (magic, CRC32C over the rewritten bytes, counts) in the compacted layout;
 *   - is one of the appended batches, shrunk: same base offset and offset span, same producer id,
 *     epoch and base sequence (idempotence survives compaction);
 * and the records read back:
 *   - are each exactly the record appended at that offset (offsets preserved, never reused);
 *   - below the cleaned end, hold exactly one record per key, the key's latest, except a latest
 *     tombstone older than delete.retention.ms, which is gone; a younger one is still there.
 * The cleaner's own model test (test/unit/storage/cleaner/cleaner-model.property.test.ts) adds
 * restarts and tiny offset maps; this one looks at the batches themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_BYTES_MAX } from '../../../proto/constants.js';
import { batchTotalBytes, readBatchHeader, validateBatch, type BatchHeader } from '../../../proto/record-batch.js';
import { tempDir } from '../storage/helpers.js';
import { compactConfig, keyed, newCleaner, openManager, readLog, type ReadRecord } from '../storage/cleaner/helpers.js';

const KEYS = 8;
const RETENTION_MS = 1_000;
const T0 = 1_800_000_000_000;
/** Producer ids the batches may carry; -1 is a plain (non-idempotent) producer. */
const PRODUCERS = [-1, 7, 8] as const;

type Op =
  | { kind: 'put'; producer: number; records: Array<{ key: number; tombstone: boolean }> }
  | { kind: 'roll' }
  | { kind: 'clean' }
  | { kind: 'tick'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      producer: fc.constantFrom(...PRODUCERS),
      records: fc.array(fc.record({ key: fc.integer({ min: 0, max: KEYS - 1 }), tombstone: fc.integer({ min: 0, max: 9 }).map((n) => n < 3) }),
        { minLength: 1, maxLength: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'clean' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2 * RETENTION_MS }) }) },
);

type Fields = Pick<BatchHeader, 'baseOffset' | 'lastOffsetDelta' | 'producerId' | 'producerEpoch' | 'baseSequence'>;

function fieldsOf(h: BatchHeader): Fields {
  return { baseOffset: h.baseOffset, lastOffsetDelta: h.lastOffsetDelta, producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence };
}

async function run(ops: Op[]): Promise<void> {
  const { dir, cleanup } = await tempDir('strata-compaction-prop-');
  const config = compactConfig({ segmentBytes: 1024, indexIntervalBytes: 64, deleteRetentionMs: RETENTION_MS });
  let now = T0;
  const manager = await openManager(dir, config);
  const cleaner = newCleaner({ now: () => now });
  const log = await manager.openLog('t', 0, config);
  const appended = new Map<number, ReadRecord>();
  const batches = new Map<number, Fields>();
  const sequences = new Map<number, number>();
  let seq = 0;
  try {
    for (const o of ops) {
      if (o.kind === 'put') {
        const recs = o.records.map((r) => ({ key: `k${r.key}`, value: r.tombstone ? null : `v${seq++}-${'p'.repeat(30)}`, timestamp: now }));
        const baseSequence = o.producer < 0 ? -1 : sequences.get(o.producer) ?? 0;
        if (o.producer >= 0) sequences.set(o.producer, baseSequence + recs.length);
        const bytes = keyed(recs, o.producer < 0 ? {} : { producerId: o.producer, producerEpoch: 3, baseSequence });
        const res = log.appendAsLeader(bytes, 0);
        recs.forEach((r, i) => appended.set(res.baseOffset + i, { offset: res.baseOffset + i, ...r }));
        batches.set(res.baseOffset, fieldsOf(readBatchHeader(bytes)));
        await res.written;
      } else if (o.kind === 'roll') {
        await log.maybeRoll(Number.MAX_SAFE_INTEGER);
      } else if (o.kind === 'tick') {
        now += o.ms;
      } else {
        const pass = await cleaner.cleanLog(log, manager);
        await checkBatches(log, batches);
        const { records } = await readLog(log);
        for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset);
        for (const r of records) expect(r).toEqual(appended.get(r.offset));
        if (pass === null || pass.aborted) continue;
        const all = [...appended.values()].sort((a, b) => a.offset - b.offset);
        const latest = new Map<string, ReadRecord>();
        for (const r of all) if (r.offset < pass.mapEnd) latest.set(r.key!, r);
        const below = records.filter((r) => r.offset < pass.mapEnd);
        for (const [key, last] of latest) {
          const kept = below.filter((r) => r.key === key);
          const expired = last.value === null && last.timestamp + RETENTION_MS <= now;
          expect(kept).toEqual(expired ? [] : [last]);
        }
      }
    }
  } finally {
    await cleaner.stop();
    await manager.close();
    await cleanup();
  }
}

/** Every batch in the log is valid and is an appended batch with its producer fields and span. */
async function checkBatches(log: Awaited<ReturnType<Awaited<ReturnType<typeof openManager>>['openLog']>>, appended: Map<number, Fields>): Promise<void> {
  let next = log.logStartOffset;
  const end = log.writtenEndOffset;
  while (next < end) {
    const { records: buf } = await log.read(next, 1 << 16, end);
    expect(buf.length).toBeGreaterThan(0);
    for (let pos = 0; pos < buf.length; pos += batchTotalBytes(buf, pos)) {
      expect(validateBatch(buf, pos, BATCH_BYTES_MAX, 'compacted')).toBe(batchTotalBytes(buf, pos));
      const header = readBatchHeader(buf, pos);
      expect(fieldsOf(header)).toEqual(appended.get(header.baseOffset));
      next = Math.max(next, header.baseOffset + header.lastOffsetDelta + 1);
    }
  }
}

describe('compacting any log', () => {
  it('keeps per key exactly its latest record (tombstones until delete.retention.ms), offsets, valid CRCs and producer fields', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 50 }), run),
      { numRuns: Number(process.env.STRATA_MODEL_RUNS ?? 25) });
  }, 120_000);
});
