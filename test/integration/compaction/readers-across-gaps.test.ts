/**
 * Readers across gaps (issue 15), against a real broker process: a topic created with
 * cleanup.policy=compact over the Kafka listener (kafkajs), written with updates and tombstones,
 * compacted by the background cleaner, then read by every reader Strata has - the SDK consumer,
 * `strata consume`, kcat and kafkajs - which must all see the same records at the same offsets:
 * each key's latest value, deleted keys gone, offsets with gaps. A read from inside a removed
 * range starts at the next surviving record, and a timestamp lookup lands on it too. The broker
 * ran that cleaning on a worker thread under SCHED_IDLE, its other threads untouched.
 */
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { runCli } from '../../helpers/cli.js';
import { eventually, kafkajs, kcat, startKafkaBroker, type KafkaBroker } from '../kafka/harness.js';

const TOPIC = 'changelog';
const T0 = 1_700_000_000_000;
const PAD = 'x'.repeat(100);

interface Sent { offset: number; key: string; value: string | null; timestamp: number }

let broker: KafkaBroker;
let strata: Strata;
const sent: Sent[] = [];

/** What a full compaction leaves: keys 0-4 deleted (tombstones expired at once), 5-9 at r1, 10-19 at r2, the fillers. */
function expected(): Sent[] {
  const latest = new Map<string, Sent>();
  for (const s of sent) latest.set(s.key, s);
  return [...latest.values()].filter((s) => s.value !== null).sort((a, b) => a.offset - b.offset);
}

beforeAll(async () => {
  broker = await startKafkaBroker(['--cleaner-backoff-ms', '100', '--cleaner-io-bytes-per-second', '0']);
  strata = new Strata({ brokers: broker.url });
  const kafka = kafkajs(broker.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{
      topic: TOPIC, numPartitions: 1, configEntries: [
        { name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '2048' },
        { name: 'min.cleanable.dirty.ratio', value: '0.01' }, { name: 'delete.retention.ms', value: '0' },
      ],
    }],
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const put = async (key: string, value: string | null): Promise<void> => {
    const timestamp = T0 + sent.length * 1000;
    const [meta] = await producer.send({ topic: TOPIC, messages: [{ key, value, timestamp: String(timestamp) }] });
    sent.push({ offset: Number(meta!.baseOffset), key, value, timestamp });
  };
  for (let k = 0; k < 20; k++) await put(`k${k}`, `r0-${PAD}`);
  for (let k = 0; k < 20; k++) await put(`k${k}`, `r1-${PAD}`);
  for (let k = 0; k < 5; k++) await put(`k${k}`, null);
  for (let k = 10; k < 20; k++) await put(`k${k}`, `r2-${PAD}`);
  // Fillers: more than a segment after the tombstones, so everything above is sealed and cleanable.
  for (let z = 0; z < 20; z++) await put(`z${z}`, `f-${PAD}`);
  await producer.disconnect();
  expect(sent.map((s) => s.offset)).toEqual([...sent.keys()]);
  // The background cleaner compacts everything sealed; the fillers' last segment stays as it is.
  const unfilled = (list: Sent[]): string => JSON.stringify(list.filter((r) => !r.key.startsWith('z')));
  await eventually('the cleaner to compact the sealed segments', async () => unfilled(await sdkRead(0)) === unfilled(expected()));
}, 60_000);

afterAll(async () => {
  await strata?.close();
  await broker?.close();
});

async function sdkRead(from: number): Promise<Sent[]> {
  const end = (await strata.admin().listOffsets(TOPIC, 0, 'latest')).offset;
  const consumer = strata.consumer({ decode: 'utf8' });
  const out: Sent[] = [];
  try {
    await consumer.assign({ topic: TOPIC, partition: 0, offset: from });
    if (from >= end) return out;
    for await (const r of consumer) {
      out.push({ offset: r.offset, key: r.key as string, value: r.value as string | null, timestamp: r.timestamp });
      if (r.offset >= end - 1) break;
    }
  } finally {
    await consumer.close();
  }
  return out;
}

describe('readers of a compacted topic', () => {
  it('the SDK consumer sees each key\'s latest value at its original offset, across the gaps', async () => {
    const records = await sdkRead(0);
    expect(records).toEqual(expected());
    expect(records.length).toBeLessThan(sent.length);
  });

  it('starts at the next surviving record when asked for an offset inside a removed range', async () => {
    // Offsets 0-24 are gone (round 0 entirely, round 1's keys 0-4): 25 holds k5's r1.
    const [first] = await sdkRead(3);
    expect(first).toMatchObject({ offset: 25, key: 'k5' });
    const [inside] = await sdkRead(40);
    expect(inside!.offset).toBe(expected().find((s) => s.offset >= 40)!.offset);
  });

  it('answers a timestamp lookup of a removed record with the next surviving one', async () => {
    const { offset } = await strata.admin().listOffsets(TOPIC, 0, { timestamp: T0 + 3 * 1000 });
    expect(offset).toBe(25);
  });

  it('strata consume prints the same records', async () => {
    const res = await runCli(['consume', TOPIC, '-e', '--format', 'json', '--broker', broker.url]);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { offset: number; key: string; value: string });
    expect(lines.map((l) => [l.offset, l.key, l.value])).toEqual(expected().map((s) => [s.offset, s.key, s.value]));
  });

  it('kcat reads the same records, and from a removed offset starts at the next one', async () => {
    const all = await kcat(broker.bootstrap, ['-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %k %s\\n']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.trim().split('\n')).toEqual(expected().map((s) => `${s.offset} ${s.key} ${s.value}`));
    const from = await kcat(broker.bootstrap, ['-C', '-t', TOPIC, '-p', '0', '-o', '3', '-c', '1', '-q', '-f', '%o %k\\n']);
    expect(from.stdout.trim()).toBe('25 k5');
  });

  it('a kafkajs consumer group reads the same records', async () => {
    const consumer = kafkajs(broker.bootstrap).consumer({ groupId: 'compacted-readers' });
    const got: Array<[number, string, string | null]> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => { got.push([Number(message.offset), message.key!.toString(), message.value?.toString() ?? null]); },
      });
      await eventually('kafkajs to read every record', () => got.length >= expected().length, 45_000);
    } finally {
      await consumer.disconnect();
    }
    expect(got).toEqual(expected().map((s) => [s.offset, s.key, s.value]));
  }, 60_000);

  it('refuses records without a key on a compacted topic', async () => {
    const producer = kafkajs(broker.bootstrap).producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: TOPIC, messages: [{ value: 'no key' }] })).rejects.toThrow();
    } finally {
      await producer.disconnect();
    }
    const sdk = strata.producer({ idempotent: false, retry: { retries: 0 } });
    try {
      await expect(sdk.send({ topic: TOPIC, messages: [{ value: 'no key' }] })).rejects.toThrow(/needs a key/);
    } finally {
      await sdk.close();
    }
  });

  it.runIf(process.platform === 'linux')('ran the cleaning on one thread under SCHED_IDLE; the broker\'s other threads keep the normal policy', async () => {
    const pid = broker.child.pid!;
    const policies = new Map<number, number>();
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
      // Field 41 (policy), counted after the parenthesised command name, which starts at field 3.
      if (stat !== null) policies.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]));
    }
    const idle = [...policies].filter(([, policy]) => policy === 5).map(([tid]) => tid);
    expect(idle).toHaveLength(1);
    expect(idle[0]).not.toBe(pid);
    expect(policies.get(pid)).toBe(0);
    expect([...policies.values()].filter((p) => p !== 0 && p !== 5)).toEqual([]);
  });
});
