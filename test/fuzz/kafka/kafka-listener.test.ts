/**
 * Hostile and malformed Kafka frames over real TCP to a real broker process (fast-check
 * properties plus a seeded random loop): truncated and mutated requests of every served API,
 * flexible versions with lying tagged-field sections, size prefixes that lie (over the limit,
 * negative, shorter or longer than what follows), and random bytes under random keys and
 * versions. Every frame must be answered (the probe behind it comes back) or the connection
 * closed, within ATTEMPT_MS_MAX; the broker stays up, a well-behaved client keeps being served,
 * and the records acknowledged before the fuzzing are unchanged afterwards.
 *
 * STRATA_FUZZ_RUNS scales the number of cases (`npm run test:fuzz:long`).
 */
import fc from 'fast-check';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedApiKeys } from '../../../broker/kafka/kafka-apis.js';
import { apiNameByKey, encodeRequest, isFlexible, KafkaApis, type KafkaApiName } from '../../../proto/kafka/index.js';
import { prng } from '../../crash/harness/kill-loop.js';
import { runCli } from '../../helpers/cli.js';
import { kcat, startKafkaBroker, type KafkaBroker } from '../../integration/kafka/harness.js';
import { sample } from '../../unit/proto/kafka/sample-values.js';

const SCALE = Number(process.env.STRATA_FUZZ_RUNS ?? 1);
const RUNS = 150 * SCALE;
const RANDOM_FRAMES = 600 * SCALE;
const SEED = Number(process.env.STRATA_FUZZ_SEED ?? Date.now() % 1_000_000);
const TIMEOUT_MS = 90_000 * SCALE;
/** Longest the broker may take to answer a probe behind a hostile frame, or to close. */
const ATTEMPT_MS_MAX = 5_000;
/** A frame limit small enough that "over the limit" is cheap to say. */
const FRAME_BYTES_MAX = 1024 * 1024;
const PROBE_ID = 2_000_000_000;
const PROBE = encodeRequest('apiVersions', 0, PROBE_ID, 'probe', {});

let broker: KafkaBroker;
let precious: string;
const outcomes: Record<string, number> = {};
const violations: string[] = [];

type Outcome = 'answered' | 'closed' | 'hung';

/** One hostile attempt on a fresh connection: `frame` (raw bytes), then the probe unless `endAfter`. */
function attempt(kind: string, frame: Buffer, endAfter = false): Promise<Outcome> {
  return new Promise((resolve) => {
    const [host, port] = broker.bootstrap.split(':');
    const socket = net.connect(Number(port), host);
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcomes[`${kind}:${o}`] = (outcomes[`${kind}:${o}`] ?? 0) + 1;
      if (o === 'hung') violations.push(`${kind}: no answer and no close within ${ATTEMPT_MS_MAX} ms for ${frame.subarray(0, 64).toString('hex')}`);
      resolve(o);
    };
    const timer = setTimeout(() => done('hung'), ATTEMPT_MS_MAX);
    socket.on('connect', () => {
      socket.write(frame);
      if (endAfter) socket.end();
      else socket.write(PROBE);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8 && buf.length >= 4 + buf.readInt32BE(0)) {
        const size = buf.readInt32BE(0);
        if (size < 4) violations.push(`${kind}: response frame of ${size} bytes`);
        if (buf.readInt32BE(4) === PROBE_ID) return done('answered');
        buf = buf.subarray(4 + size);
      }
    });
    socket.on('close', () => done('closed'));
    socket.on('error', () => {});
  });
}

function withPrefix(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** A valid request of every served API at every served version, with filled-in bodies. */
function validFrames(): Array<{ name: KafkaApiName; version: number; frame: Buffer }> {
  const out: Array<{ name: KafkaApiName; version: number; frame: Buffer }> = [];
  for (const { apiKey, minVersion, maxVersion } of servedApiKeys()) {
    const name = apiNameByKey(apiKey)!;
    for (let version = minVersion; version <= maxVersion; version++) {
      const { value } = sample(KafkaApis[name].request, version, isFlexible(KafkaApis[name], version));
      // Aim what can land somewhere at a scratch topic, and keep long polls short.
      const body = { ...value, topics: undefined, topicData: [], maxWaitMs: 0, acks: 1, sessionTimeoutMs: 100 } as Record<string, unknown>;
      if (!('topics' in value)) delete body.topics;
      out.push({ name, version, frame: encodeRequest(name, version, 1, 'fuzz', body as never).subarray(4) });
    }
  }
  return out;
}

async function readPrecious(): Promise<string> {
  const res = await kcat(broker.bootstrap, ['-C', '-t', precious, '-o', 'beginning', '-e', '-q', '-f', '%p %o %k %s\\n']);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.split('\n').sort().join('\n');
}

let before: string;
let brokerErrors = '';

beforeAll(async () => {
  broker = await startKafkaBroker(['--fetch-wait-ms-max', '50', '--frame-bytes-max', String(FRAME_BYTES_MAX), '--log-level', 'error']);
  // A handler that throws (rather than answering with an error code) is a bug the broker logs.
  broker.child.stderr!.on('data', (d: Buffer) => { brokerErrors += d.toString(); });
  precious = 'precious';
  expect((await runCli(['topic', 'create', precious, '--partitions', '2', '--broker', broker.url])).code).toBe(0);
  expect((await runCli(['topic', 'create', 'target', '--partitions', '1', '--broker', broker.url])).code).toBe(0);
  const lines = Array.from({ length: 50 }, (_, i) => `k${i}:v${i}`).join('\n');
  expect((await kcat(broker.bootstrap, ['-P', '-t', precious, '-K', ':'], `${lines}\n`)).code).toBe(0);
  before = await readPrecious();
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

describe(`Kafka listener under hostile input (seed ${SEED})`, () => {
  const frames = validFrames();

  it('refuses size prefixes that lie, without buffering and without hanging', async () => {
    expect(await attempt('prefix-over-limit', Buffer.from([0x7f, 0xff, 0xff, 0xff]))).toBe('closed');
    const justOver = Buffer.alloc(4);
    justOver.writeInt32BE(FRAME_BYTES_MAX + 1, 0);
    expect(await attempt('prefix-over-limit', justOver)).toBe('closed');
    expect(await attempt('prefix-negative', Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toBe('closed');
    expect(await attempt('prefix-below-header', Buffer.from([0, 0, 0, 3, 1, 2, 3]))).toBe('closed');
    for (const { frame } of frames.slice(0, 40)) {
      const longer = withPrefix(frame);
      longer.writeInt32BE(frame.length + 100, 0); // claims more than is sent, then the peer ends
      expect(await attempt('prefix-longer-then-eof', longer, true)).toBe('closed');
      const shorter = withPrefix(frame);
      shorter.writeInt32BE(Math.max(8, frame.length - 3), 0);
      expect(await attempt('prefix-shorter', shorter)).not.toBe('hung');
    }
  }, TIMEOUT_MS);

  it('answers or closes on truncated, mutated and extended requests of every served API and version', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: frames.length - 1 }),
      fc.oneof(
        fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ op: fc.constant('append' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
      ),
      async (pick, mutation) => {
        const { frame } = frames[pick]!;
        let body: Buffer;
        if (mutation.op === 'truncate') body = frame.subarray(0, Math.max(8, mutation.at % frame.length));
        else if (mutation.op === 'append') body = Buffer.concat([frame, Buffer.from(mutation.tail)]);
        else {
          body = Buffer.from(frame);
          const at = 8 + (mutation.at % Math.max(1, body.length - 8));
          if (at < body.length) body[at]! ^= mutation.bits;
        }
        return (await attempt(`mutated-${mutation.op}`, withPrefix(body))) !== 'hung';
      }), { numRuns: RUNS, seed: SEED });
  }, TIMEOUT_MS);

  it('survives lying tagged-field sections in flexible versions', async () => {
    const flexible = frames.filter(({ name, version }) => isFlexible(KafkaApis[name], version));
    expect(flexible.length).toBeGreaterThan(10);
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: flexible.length - 1 }),
      fc.array(fc.record({ tag: fc.nat({ max: 300 }), size: fc.nat({ max: 1 << 20 }), data: fc.uint8Array({ maxLength: 12 }) }), { maxLength: 4 }),
      fc.nat({ max: 0xffffffff }),
      async (pick, fields, claimedCount) => {
        const { frame } = flexible[pick]!;
        // Replace the body's empty trailing tag section with a hostile one.
        const uv = (n: number): number[] => { const o: number[] = []; while (n >= 0x80) { o.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); } o.push(n); return o; };
        const section = [...uv(claimedCount % 3 === 0 ? claimedCount : fields.length)];
        for (const f of fields) section.push(...uv(f.tag), ...uv(f.size % 7 === 0 ? f.size : f.data.length), ...f.data);
        const body = Buffer.concat([frame.subarray(0, frame.length - 1), Buffer.from(section)]);
        return (await attempt('tagged-fields', withPrefix(body))) !== 'hung';
      }), { numRuns: RUNS, seed: SEED });
  }, TIMEOUT_MS);

  it('answers or closes on random bytes under random keys and versions (seeded loop)', async () => {
    const rand = prng(SEED);
    for (let i = 0; i < RANDOM_FRAMES; i++) {
      const body = Buffer.alloc(8 + Math.floor(rand() * 200));
      for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
      body.writeInt16BE(Math.floor(rand() * 70), 0);
      body.writeInt16BE(Math.floor(rand() * 16), 2);
      body.writeInt32BE(i, 4);
      await attempt('random', withPrefix(body));
    }
  }, TIMEOUT_MS);

  it('kept serving, and changed nothing that was acknowledged before', async () => {
    expect(broker.child.exitCode).toBeNull();
    expect(violations.slice(0, 10)).toEqual([]);
    expect(brokerErrors.split('\n').filter((l) => l.includes('kafka request failed')).slice(0, 3)).toEqual([]);
    expect(await readPrecious()).toBe(before);
    const p = await kcat(broker.bootstrap, ['-P', '-t', 'target'], 'still here\n');
    expect(p.code, p.stderr).toBe(0);
    console.log(`kafka fuzz seed ${SEED}:`, JSON.stringify(outcomes));
  }, 60_000);
});
