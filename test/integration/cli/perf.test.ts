import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

const RECORDS = 20_000;
const RECORD_BYTES = 100;

const NUM = String.raw`(\d+(?:\.\d+)?)`;
const PRODUCER_TOTAL = new RegExp(String.raw`^(\d+) records sent, ${NUM} records/sec \(${NUM} MB/sec\), ${NUM} ms avg latency, `
  + String.raw`(\d+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$`);
const KAFKA_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}$/;
const CONSUMER_HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, '
  + 'rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
const E2E_TOTAL = new RegExp(String.raw`^(\d+) records sent, (\d+) records received, ${NUM} records/sec \(${NUM} MB/sec\), `
  + String.raw`${NUM} ms avg latency, ${NUM} ms max latency, ${NUM} ms 50th, ${NUM} ms 95th, ${NUM} ms 99th, ${NUM} ms 99\.9th\.$`);

const E2E_STEADY = new RegExp(String.raw`^(\d+) steady state records received, ${NUM} records/sec \(${NUM} MB/sec\), `
  + String.raw`${NUM} ms avg latency, ${NUM} ms max latency, ${NUM} ms 50th, ${NUM} ms 95th, ${NUM} ms 99th, ${NUM} ms 99\.9th\.$`);

function lastLine(stdout: string): string {
  const lines = stdout.trim().split('\n');
  return lines[lines.length - 1]!;
}

describe('strata perf against a broker child process', () => {
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startBrokerProcess(['--flush', 'always']);
  });

  afterAll(async () => {
    await broker?.stop();
    if (broker) await removeDir(broker.dataDir);
  });

  const cli = (args: string[]) => runCli([...args, '--broker', broker.url]);

  it('perf produce sends exactly --num-records and prints the Kafka total line with ordered percentiles', async () => {
    const res = await cli(['perf', 'produce', '--topic', 'perf', '--partitions', '2', '--num-records', String(RECORDS),
      '--record-size', String(RECORD_BYTES), '--producers', '2']);
    expect(res.code, res.stderr).toBe(0);
    // Piped stderr: no progress bar drawn.
    expect(res.stderr).toBe('');
    const m = PRODUCER_TOTAL.exec(lastLine(res.stdout));
    expect(m, res.stdout).not.toBeNull();
    const [count, rate, mbPerSec, avg, max, p50, p95, p99, p999] = m!.slice(1).map(Number);
    expect(count).toBe(RECORDS);
    expect(rate).toBeGreaterThan(0);
    expect(mbPerSec).toBeCloseTo((rate! * RECORD_BYTES) / 1024 / 1024, 1);
    expect(avg).toBeGreaterThan(0);
    expect([p50, p95, p99, p999, max]).toEqual([p50, p95, p99, p999, max].sort((a, b) => a! - b!));

    const described = await cli(['topic', 'describe', 'perf', '--format', 'json']);
    const partitions = (JSON.parse(described.stdout) as { partitions: Array<{ logEndOffset: number }> }).partitions;
    expect(partitions).toHaveLength(2);
    expect(partitions.reduce((sum, p) => sum + p.logEndOffset, 0)).toBe(RECORDS);
  });

  it('perf produce --throughput holds the rate near the target', async () => {
    const res = await cli(['perf', 'produce', '--topic', 'perf-throttled', '--partitions', '1', '--num-records', '3000',
      '--record-size', '50', '--throughput', '5000']);
    expect(res.code, res.stderr).toBe(0);
    const m = PRODUCER_TOTAL.exec(lastLine(res.stdout));
    expect(m, res.stdout).not.toBeNull();
    const rate = Number(m![2]);
    // 3,000 records at 5,000/s take at least ~0.6 s; unthrottled the same run takes a few ms.
    expect(rate).toBeLessThan(5_500);
    expect(rate).toBeGreaterThan(1_000);
  });

  it('perf consume reads exactly --messages records and prints the Kafka CSV with key+value MB', async () => {
    const res = await cli(['perf', 'consume', '--topic', 'perf', '--messages', String(RECORDS)]);
    expect(res.code, res.stderr).toBe(0);
    const [header, data, ...rest] = res.stdout.trim().split('\n');
    expect(rest).toEqual([]);
    expect(header).toBe(CONSUMER_HEADER);
    const f = data!.split(', ');
    expect(f).toHaveLength(10);
    expect(f[0]).toMatch(KAFKA_DATE);
    expect(f[1]).toMatch(KAFKA_DATE);
    expect(f[1]! >= f[0]!).toBe(true);
    expect(f[2]).toBe(((RECORDS * RECORD_BYTES) / 1024 / 1024).toFixed(4));
    expect(Number(f[4])).toBe(RECORDS);
    for (const i of [3, 5, 8, 9]) expect(Number(f[i]), `field ${i}`).toBeGreaterThan(0);
    expect(Number(f[6])).toBeGreaterThanOrEqual(0);
    // fetch.nMsg.sec excludes the assign time, so it is at least nMsg.sec.
    expect(Number(f[9])).toBeGreaterThanOrEqual(Number(f[5]));
  });

  it('perf consume of one partition from an offset counts only what lies after it', async () => {
    const describe = JSON.parse((await cli(['topic', 'describe', 'perf', '--format', 'json'])).stdout) as {
      partitions: Array<{ logEndOffset: number }>;
    };
    // Keyless records stick to one partition per batch, so which partitions hold data is random:
    // take the fullest.
    const ends = describe.partitions.map((p) => p.logEndOffset);
    const partition = ends.indexOf(Math.max(...ends));
    const end = ends[partition]!;
    expect(end).toBeGreaterThan(1);
    const from = Math.floor(end / 2);
    const res = await cli(['perf', 'consume', '--topic', 'perf', '--partition', String(partition), '--from', String(from),
      '--messages', String(end - from)]);
    expect(res.code, res.stderr).toBe(0);
    expect(Number(lastLine(res.stdout).split(', ')[4])).toBe(end - from);
  });

  it('perf consume gives up with Kafka\'s WARNING after --timeout without records, reporting what it read', async () => {
    const res = await cli(['perf', 'consume', '--topic', 'perf', '--messages', String(RECORDS + 1), '--timeout', '300']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^WARNING: Exiting before consuming the expected number of messages: timeout \(300 ms\) exceeded\./m);
    expect(Number(lastLine(res.stdout).split(', ')[4])).toBe(RECORDS);
  });

  it('perf e2e receives every record it sent and prints ordered latency percentiles, whole run and steady state', async () => {
    const res = await cli(['perf', 'e2e', '--rate', '10000', '--seconds', '1', '--topic', 'perf-e2e', '--warmup-seconds', '0.5']);
    expect(res.code, res.stderr).toBe(0);
    const [total, steady] = res.stdout.trim().split('\n').slice(-2);
    const m = E2E_TOTAL.exec(total!);
    expect(m, res.stdout).not.toBeNull();
    const [sent, received, rate, , avg, max, p50, p95, p99, p999] = m!.slice(1).map(Number);
    expect(sent).toBe(10_000);
    expect(received).toBe(10_000);
    expect(rate).toBeGreaterThan(0);
    expect(avg).toBeGreaterThan(0);
    expect([p50, p95, p99, p999, max]).toEqual([p50, p95, p99, p999, max].sort((a, b) => a! - b!));
    // Records sent in the second half: about half of them (the sender keeps a steady rate).
    const s = E2E_STEADY.exec(steady!);
    expect(s, res.stdout).not.toBeNull();
    expect(Number(s![1])).toBeGreaterThan(3_000);
    expect(Number(s![1])).toBeLessThan(7_000);
  });

  it('rejects bad perf arguments with a one-line usage error (exit 2)', async () => {
    for (const args of [
      ['perf', 'produce', '--topic', 't', '--num-records', '10', '--record-size', '10', '--throughput', '0'],
      ['perf', 'produce', '--topic', 't', '--num-records', '0', '--record-size', '10'],
      ['perf', 'consume', '--topic', 't', '--messages', '10', '--from', 'soon'],
      ['perf', 'e2e', '--rate', '100', '--seconds', '1', '--record-size', '4'],
    ]) {
      const res = await cli(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('fails with one line when the topic does not exist', async () => {
    const res = await cli(['perf', 'produce', '--topic', 'no-such-topic', '--num-records', '10', '--record-size', '10']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^strata: UnknownTopicError/)]);
  });
});
