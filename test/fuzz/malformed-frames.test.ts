/**
 * Hostile and malformed frames over a real WebSocket to a real broker process (fast-check
 * properties plus a bounded random-bytes loop). Every frame must get a typed error or a closed
 * connection (a frame that happens to decode to a valid request may also just be answered); the
 * broker stays up, a well-behaved client keeps being served after every burst, and the data
 * acknowledged before the fuzzing is byte for byte unchanged afterwards.
 *
 * STRATA_FUZZ_RUNS scales the number of cases (`npm run test:fuzz:long`).
 */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { crc32c } from '../../proto/crc32c.js';
import { BATCH_BYTES_MAX, BATCH_HEADER_BYTES, PROTOCOL_VERSION } from '../../proto/constants.js';
import { ErrorCode } from '../../proto/errors.js';
import { encodeRequest, pb, type RequestProps } from '../../proto/messages.js';
import { encodeRecordBatch, OFFSET_ATTRIBUTES, OFFSET_CRC } from '../../proto/record-batch.js';
import { startBroker, type BrokerChild } from '../crash/harness/broker-process.js';
import { prng } from '../crash/harness/kill-loop.js';
import { produceBody, readPartition, WireClient } from '../crash/harness/wire-client.js';
import { FuzzSession, responseProblems } from './harness/fuzz-session.js';
import { cat, KNOWN_BODY_FIELDS, lField, REQ, vField } from './harness/proto-bytes.js';
import { createHash } from 'node:crypto';

const SCALE = Number(process.env.STRATA_FUZZ_RUNS ?? 1);
const RUNS = 150 * SCALE;
const RANDOM_FRAMES = 1500 * SCALE;
const SEED = Number(process.env.STRATA_FUZZ_SEED ?? Date.now() % 1_000_000);
const TIMEOUT_MS = 60_000 * SCALE;

const PRECIOUS = 'precious';
const TARGET = 'target';

let dataDir: string;
let broker: BrokerChild;
let good: WireClient;
let session: FuzzSession;
let baseline: Map<string, { highWatermark: number; digest: string }>;
const cases: Record<string, number> = {};

function count(kind: string, n = 1): void {
  cases[kind] = (cases[kind] ?? 0) + n;
}

/** Digest of each topic-partition's batches below the high watermark recorded at `upTo`. */
async function digests(c: WireClient, upTo?: Map<string, { highWatermark: number }>): Promise<Map<string, { highWatermark: number; digest: string }>> {
  const out = new Map<string, { highWatermark: number; digest: string }>();
  for (const [topic, partitions] of [[PRECIOUS, 2], [TARGET, 1]] as const) {
    for (let p = 0; p < partitions; p++) {
      const key = `${topic}-${p}`;
      const contents = await readPartition(c, topic, p);
      const limit = upTo?.get(key)?.highWatermark ?? contents.highWatermark;
      const hash = createHash('sha256');
      for (const r of contents.records) {
        if (r.offset >= limit) break;
        hash.update(`${r.offset}:${r.timestamp}:`).update(r.key ?? Buffer.alloc(0)).update('|').update(r.value ?? Buffer.alloc(0));
      }
      out.set(key, { highWatermark: contents.highWatermark, digest: hash.digest('hex') });
    }
  }
  return out;
}

/** The well-behaved client: still connected, its produce acknowledged and readable. */
let goodSeq = 0;
async function checkGoodClient(): Promise<void> {
  expect(broker.child.exitCode).toBeNull();
  expect(good.isOpen).toBe(true);
  const value = `good-${goodSeq++}`;
  const res = await good.request(produceBody(PRECIOUS, 1, encodeRecordBatch([{ value: Buffer.from(value) }])));
  const part = res.produce!.topics![0]!.partitions![0]!;
  expect(part.error ?? null).toBeNull();
  const read = await readPartition(good, PRECIOUS, 1, Number(part.baseOffset));
  expect(read.records[0]!.value!.toString()).toBe(value);
}

function expectNoViolations(): void {
  session.checkAll();
  expect(session.violations.slice(0, 10)).toEqual([]);
}

/** A valid batch with a fresh CRC after `mutate` changed bytes inside the CRC'ed range. */
function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(OFFSET_ATTRIBUTES)), OFFSET_CRC);
  return batch;
}

function sampleBatch(records = 3, valueBytes = 20): Buffer {
  return encodeRecordBatch(Array.from({ length: records }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(valueBytes, 97 + i) })));
}

/** Valid requests of every API, to truncate and to mutate. */
function validRequests(): RequestProps[] {
  const batch = sampleBatch();
  return [
    { correlationId: 11, apiVersions: { protocolVersion: PROTOCOL_VERSION, clientSoftware: 'fuzz' } },
    { correlationId: 12, createTopics: { topics: [{ name: 'fuzz-created', partitions: 2, config: { retentionMs: 60_000, flushPolicy: 1 } }] } },
    { correlationId: 13, deleteTopics: { names: ['does-not-exist'] } },
    { correlationId: 14, listTopics: {} },
    { correlationId: 15, metadata: { topics: [PRECIOUS, TARGET] } },
    { correlationId: 16, produce: { acks: 0, timeoutMs: 1000, topics: [{ name: TARGET, partitions: [{ partition: 0, records: batch }] }] } },
    { correlationId: 17, fetch: { maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, topics: [{ name: PRECIOUS, partitions: [{ partition: 0, fetchOffset: 3, partitionMaxBytes: 4096 }] }] } },
    { correlationId: 18, listOffsets: { topics: [{ name: PRECIOUS, partitions: [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: 1_700_000_000_000 }] }] } },
    { correlationId: 19, initProducerId: {} },
    { correlationId: 20, joinGroup: { groupId: 'fuzz-group', memberId: '', clientId: 'fuzz', topics: [TARGET], strategy: 'range', sessionTimeoutMs: 1000 } },
    { correlationId: 21, offsetFetch: { groupId: 'fuzz-group' } },
    { correlationId: 22, listGroups: {} },
  ];
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strata-fuzz-'));
  // A short long-poll cap: a random frame that decodes to a fetch must not park for 30 s.
  broker = await startBroker(dataDir, { args: ['--fetch-wait-ms-max', '50'], logLevel: 'warn' });
  const sdk = new Strata({ brokers: broker.url });
  await sdk.admin().createTopics([{ name: PRECIOUS, partitions: 2 }, { name: TARGET, partitions: 1 }]);
  const producer = sdk.producer({ lingerMs: 0 });
  for (let i = 0; i < 40; i++) {
    await producer.send({ topic: PRECIOUS, messages: Array.from({ length: 5 }, (_, j) => ({ key: `k${j}`, value: `acked-${i}-${j}`, partition: j % 2 })) });
    await producer.send({ topic: TARGET, messages: [{ value: `target-${i}` }] });
  }
  await sdk.close();
  good = await WireClient.handshake(broker.url);
  baseline = await digests(good);
  session = new FuzzSession(broker.url);
}, 60_000);

afterAll(async () => {
  try {
    if (broker && broker.child.exitCode === null) {
      const after = await digests(good, baseline);
      for (const [key, before] of baseline) expect(after.get(key)?.digest, `acknowledged data of ${key}`).toBe(before.digest);
      const unexpected = broker.logs.filter((l) => l.level >= 50);
      expect(unexpected.map((l) => `${l.msg}: ${JSON.stringify(l.err ?? '')}`).slice(0, 5)).toEqual([]);
    }
    const total = Object.values(cases).reduce((a, b) => a + b, 0);
    console.log(`[fuzz] ${total} hostile frames (seed ${SEED}): ${JSON.stringify(cases)}; ${session?.closes ?? 0} connections closed by the broker`);
  } finally {
    session?.close();
    good?.terminate();
    await broker?.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);

describe('hostile frames', () => {
  it('survives random bytes (fast-check, then a bounded seeded loop)', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
      count('random-bytes (fast-check)');
      await session.attempt(Buffer.from(bytes));
    }), { numRuns: RUNS, seed: SEED });
    const random = prng(SEED);
    for (let i = 0; i < RANDOM_FRAMES; i++) {
      const len = Math.floor(random() ** 3 * 4096);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(random() * 256);
      // Half of them look like a request: a plausible correlation id in front.
      if (i % 2 === 0 && len > 3) buf[0] = 0x08;
      count('random-bytes (loop)');
      await session.attempt(buf);
      if (i % 500 === 499) await checkGoodClient();
    }
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);

  it('answers truncated and bit-flipped frames of every API', async () => {
    const frames = validRequests().map((r) => Buffer.from(encodeRequest(r)));
    await fc.assert(fc.asyncProperty(
      fc.nat(frames.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.nat(), { maxLength: 4 }),
      async (which, cutAt, flips) => {
        const frame = Buffer.from(frames[which]!);
        for (const f of flips) frame[f % frame.length] = frame[f % frame.length]! ^ (1 << (f % 8));
        count(flips.length > 0 ? 'bit-flipped frames' : 'truncated frames');
        await session.attempt(frame.subarray(0, Math.floor(cutAt * frame.length)));
      },
    ), { numRuns: RUNS, seed: SEED });
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);

  it('answers wrong wire types for known fields and lying length prefixes with InvalidRequestError', async () => {
    const fields = [REQ.apiVersions, REQ.createTopics, REQ.listTopics, REQ.produce, REQ.fetch, REQ.listOffsets, REQ.initProducerId, 33];
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 0xffff_fff }), fc.constantFrom(...fields), fc.constantFrom(0, 1, 5),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      async (id, field, wireType, value) => {
        // A varint, fixed64 or fixed32 where a message (wire type 2) belongs.
        let body: Buffer;
        if (wireType === 0) body = vField(field, value);
        else if (wireType === 1) body = cat(Buffer.from([(field << 3) | 1]), Buffer.alloc(8, 0x5a));
        else body = cat(Buffer.from([(field << 3) | 5]), Buffer.alloc(4, 0x5a));
        count('wrong wire types');
        const outcome = await session.attempt(cat(vField(REQ.correlationId, id), body));
        if (outcome.kind === 'answered') {
          for (const r of outcome.responses.filter((x) => x.correlationId === id)) expect(r.error?.code).toBeTruthy();
        }
      },
    ), { numRuns: RUNS, seed: SEED });
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 0xffff_fff }), fc.constantFrom(REQ.produce, REQ.fetch, REQ.createTopics),
      fc.oneof(fc.bigInt({ min: 64n, max: (1n << 32n) }), fc.bigInt({ min: 1n << 32n, max: (1n << 64n) - 1n })),
      async (id, field, declared) => {
        count('giant declared lengths');
        const outcome = await session.attempt(cat(vField(REQ.correlationId, id), lField(field, Buffer.alloc(16, 1), declared)));
        expect(outcome.kind).toBe('answered');
        expect(outcome.responses.find((r) => r.correlationId === id)?.error?.code).toBe(ErrorCode.INVALID_REQUEST);
      },
    ), { numRuns: RUNS, seed: SEED });
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);

  it('answers unknown API ids (unknown oneof field numbers) with InvalidRequestError', async () => {
    const unknownField = fc.integer({ min: 2, max: (1 << 29) - 1 }).filter((f) => !KNOWN_BODY_FIELDS.has(f) && (f < 19000 || f > 19999));
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 0xffff_fff }), unknownField, fc.uint8Array({ maxLength: 64 }),
      async (id, field, payload) => {
        count('unknown API ids');
        const outcome = await session.attempt(cat(vField(REQ.correlationId, id), lField(field, Buffer.from(payload))));
        expect(outcome.kind).toBe('answered');
        const res = outcome.responses.find((r) => r.correlationId === id);
        expect(res?.error?.code).toBe(ErrorCode.INVALID_REQUEST);
      }), { numRuns: RUNS, seed: SEED });
    expectNoViolations();
  }, TIMEOUT_MS);

  it('answers a text frame with InvalidRequestError and closes with 1003', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
      count('text frames');
      const outcome = await session.attempt(text);
      expect(outcome.kind).toBe('closed');
      expect(outcome.closeCode).toBe(1003);
      expect(outcome.responses[0]?.error?.code).toBe(ErrorCode.INVALID_REQUEST);
    }), { numRuns: Math.min(RUNS, 50), seed: SEED });
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);
});

describe('hostile record batches', () => {
  async function endOffset(): Promise<number> {
    const res = await good.request({ listOffsets: { topics: [{ name: TARGET, partitions: [{ partition: 0, timestamp: -1 }] }] } });
    return Number(res.listOffsets!.topics![0]!.partitions![0]!.offset);
  }

  async function produceOutcome(records: Buffer): Promise<{ code: number; appended: boolean }> {
    const before = await endOffset();
    const id = 77;
    const outcome = await session.attempt(Buffer.from(encodeRequest({ correlationId: id, ...produceBody(TARGET, 0, records) })), { expectId: id });
    expect(outcome.kind).toBe('answered');
    const res = outcome.responses.find((r) => r.correlationId === id);
    expect(res, 'a produce response').toBeTruthy();
    const code = res!.error?.code || res!.produce!.topics![0]!.partitions![0]!.error?.code || 0;
    return { code, appended: (await endOffset()) > before };
  }

  it('refuses batches with a wrong CRC, wrong magic, lying counts and lengths, without appending anything', async () => {
    type Mutation = { name: string; apply: (b: Buffer, v: number, n: number) => Buffer };
    const mutations: Mutation[] = [
      { name: 'wrong CRC', apply: (b, v) => { b.writeUInt32BE((b.readUInt32BE(OFFSET_CRC) ^ (v | 1)) >>> 0, OFFSET_CRC); return b; } },
      { name: 'wrong magic', apply: (b, v) => { b.writeInt8(((v % 255) - 127) === 2 ? 3 : (v % 255) - 127, 16); return b; } },
      // Header fields consistent with each other (and the CRC), but not with the records.
      { name: 'lying record count (CRC fixed)', apply: (b, v, n) => withCrc((b.writeInt32BE(n + 1 + (v % 1000), 57), b.writeInt32BE(n + (v % 1000), 23), b)) },
      { name: 'record count too small (CRC fixed)', apply: (b, v, n) => withCrc((b.writeInt32BE(1 + (v % n === n - 1 ? 0 : v % n), 57), b.writeInt32BE(v % n === n - 1 ? 0 : v % n, 23), b)) },
      { name: 'count disagreeing with lastOffsetDelta', apply: (b, v, n) => withCrc((b.writeInt32BE(n + (v % 7), 23), b)) },
      { name: 'zero or negative record count', apply: (b, v) => withCrc((b.writeInt32BE(-(v % 5), 57), b.writeInt32BE(-(v % 5) - 1, 23), b)) },
      { name: 'negative batch length', apply: (b, v) => { b.writeInt32BE(-1 - (v % 1000), 8); return b; } },
      { name: 'batch length past the data', apply: (b, v) => { b.writeInt32BE(b.length + (v % 100000), 8); return b; } },
      { name: 'batch length shorter than a header', apply: (b, v) => { b.writeInt32BE(v % 49, 8); return b; } },
      { name: 'huge batch length', apply: (b) => { b.writeInt32BE(0x7fff_ffff, 8); return b; } },
      { name: 'unknown compression codec', apply: (b, v) => withCrc((b.writeInt16BE(5 + (v % 3), OFFSET_ATTRIBUTES), b)) },
      { name: 'trailing garbage after the batch', apply: (b, v) => Buffer.concat([b, Buffer.alloc(1 + (v % 60), 0xab)]) },
      { name: 'cut short', apply: (b, v) => b.subarray(0, v % b.length) },
    ];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...mutations), fc.nat(), fc.integer({ min: 2, max: 20 }), async (m, v, n) => {
      count(`batch: ${m.name}`);
      const { code, appended } = await produceOutcome(m.apply(sampleBatch(n), v, n));
      expect([ErrorCode.INVALID_RECORD_BATCH, ErrorCode.MESSAGE_TOO_LARGE], `${m.name} (v=${v}, n=${n})`).toContain(code);
      expect(appended, m.name).toBe(false);
    }), { numRuns: RUNS, seed: SEED });
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);

  it('refuses int64 batch header fields past 2^53 and keeps the log readable and restartable', async () => {
    const fields = [
      { name: 'baseTimestamp', at: 27 }, { name: 'maxTimestamp', at: 35 }, { name: 'producerId', at: 43 },
    ];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...fields), fc.bigInt({ min: 1n << 53n, max: (1n << 63n) - 1n }), fc.boolean(),
      async (f, big, negative) => {
        count(`batch: unsafe ${f.name}`);
        const b = sampleBatch(2);
        b.writeBigInt64BE(negative ? -big : big, f.at);
        const { code, appended } = await produceOutcome(withCrc(b));
        expect(code, `${f.name} = ${negative ? '-' : ''}${big}`).toBe(ErrorCode.INVALID_RECORD_BATCH);
        expect(appended).toBe(false);
      }), { numRuns: Math.ceil(RUNS / 3), seed: SEED });
    expectNoViolations();
  }, TIMEOUT_MS);

  it('accepts a maximal batch and refuses one byte more; refuses empty produce data', async () => {
    count('batch: empty', 1);
    expect((await produceOutcome(Buffer.alloc(0))).code).toBe(ErrorCode.INVALID_RECORD_BATCH);
    const value = Buffer.alloc(BATCH_BYTES_MAX - BATCH_HEADER_BYTES - 16, 0x6d);
    const maximal = encodeRecordBatch([{ value }]);
    const pad = BATCH_BYTES_MAX - maximal.length;
    const exact = encodeRecordBatch([{ value: Buffer.alloc(value.length + pad, 0x6d) }]);
    expect(exact.length).toBe(BATCH_BYTES_MAX);
    count('batch: maximal', 1);
    expect(await produceOutcome(exact)).toEqual({ code: 0, appended: true });
    const over = encodeRecordBatch([{ value: Buffer.alloc(value.length + pad + 1, 0x6d) }]);
    count('batch: one byte over', 1);
    expect(await produceOutcome(over)).toEqual({ code: ErrorCode.MESSAGE_TOO_LARGE, appended: false });
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);
});

describe('hostile numbers in requests', () => {
  it('answers negative, huge and unsafe (past 2^53) offsets, timestamps, sizes and partitions with typed errors', async () => {
    const int64 = fc.oneof(
      fc.bigInt({ min: 1n << 53n, max: (1n << 63n) - 1n }), fc.bigInt({ min: -(1n << 63n), max: -1n }), fc.constantFrom(-1n, -2n, -3n),
    );
    const uint32 = fc.oneof(fc.constant(0), fc.constant(0xffff_ffff), fc.nat());
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 0xffff_fff }), int64, uint32, fc.nat(5), async (id, big, u32, which) => {
      let body: Buffer;
      const topic = lField(1, Buffer.from(PRECIOUS));
      switch (which) {
        case 0: // Fetch: fetch_offset (int64) and sizes
          body = lField(REQ.fetch, cat(vField(1, 10), vField(2, u32 % 1000), vField(3, u32),
            lField(4, cat(topic, lField(2, cat(vField(1, u32 % 3), vField(2, big), vField(3, u32)))))));
          break;
        case 1: // ListOffsets: timestamp (int64)
          body = lField(REQ.listOffsets, lField(1, cat(topic, lField(2, cat(vField(1, 0), vField(2, big))))));
          break;
        case 2: // CreateTopics: int64 config values and huge partition counts
          body = lField(REQ.createTopics, lField(1, cat(lField(1, Buffer.from(`num-${id}`)), vField(2, u32),
            lField(3, cat(vField(1, big), vField(2, big), vField(3, big), vField(4, big))))));
          break;
        case 3: // Produce to a huge partition number, with a huge timeout
          body = lField(REQ.produce, cat(vField(2, u32), lField(3, cat(lField(1, Buffer.from(TARGET)),
            lField(2, cat(vField(1, u32), lField(2, sampleBatch(1))))))));
          break;
        case 4: // OffsetCommit of an unsafe offset
          body = lField(33, cat(lField(1, Buffer.from('fuzz-group')), vField(3, -1), lField(4, cat(topic, lField(2, cat(vField(1, 0), vField(2, big)))))));
          break;
        default: // ResetOffsets to an unsafe value
          body = lField(37, cat(lField(1, Buffer.from('fuzz-group')), lField(2, Buffer.from(PRECIOUS)), vField(4, 2), vField(5, big)));
      }
      count(`numbers: ${['fetch offset', 'list-offsets timestamp', 'topic config', 'produce partition', 'commit offset', 'reset value'][which]}`);
      const outcome = await session.attempt(cat(vField(REQ.correlationId, id), body), { expectId: id });
      expect(outcome.kind).toBe('answered');
      const res = outcome.responses.find((r) => r.correlationId === id);
      expect(res, 'a response').toBeTruthy();
      expect(responseProblems(res!)).toEqual([]);
    }), { numRuns: RUNS, seed: SEED });
    expectNoViolations();
    await checkGoodClient();
  }, TIMEOUT_MS);
});
