/**
 * /metrics of a real broker process: it parses with Prometheus' own parser (promtool), our
 * names pass its lint, and the counters equal what the test produced and consumed through
 * both listeners (the SDK over WebSocket, kcat over Kafka) (issue 13).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { removeDir, runCli, startBrokerProcess } from '../../helpers/cli.js';
import { kcat, startKafkaBroker, type KafkaBroker } from '../kafka/harness.js';
import { promtool, promtoolCheck, samplesOf, valueOf, type Sample } from './prometheus-text.js';

const TOPIC = 'metered';

let broker: KafkaBroker;
const httpOf = (url: string): string => url.replace(/^ws:/, 'http:');

async function scrape(url: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${httpOf(url)}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: samplesOf(text) };
}

async function consumeWithSdk(url: string, count: number): Promise<string[]> {
  const sdk = new Strata({ brokers: url });
  const consumer = sdk.consumer({ decode: 'utf8' });
  const values: string[] = [];
  try {
    await consumer.assign({ topic: TOPIC, partition: 0, offset: 'earliest' });
    for await (const r of consumer) {
      values.push(r.value as string);
      if (values.length === count) break;
    }
  } finally {
    await consumer.close();
    await sdk.close();
  }
  return values;
}

beforeAll(async () => {
  broker = await startKafkaBroker();
});
afterAll(async () => {
  await broker?.close();
});

describe('/metrics', () => {
  it('counts what was produced and consumed over both listeners, per topic, and parses with promtool', async () => {
    const created = await runCli(['topic', 'create', TOPIC, '--broker', broker.url]);
    expect(created.code, created.stderr).toBe(0);

    // In: 8 records from the SDK (two sends), 4 from kcat.
    const sdk = new Strata({ brokers: broker.url });
    try {
      await sdk.producer().send({ topic: TOPIC, messages: ['a', 'b', 'c', 'd', 'e'].map((value) => ({ value })) });
      await sdk.producer().send({ topic: TOPIC, messages: ['f', 'g', 'h'].map((value) => ({ value })) });
    } finally {
      await sdk.close();
    }
    const p = await kcat(broker.bootstrap, ['-P', '-t', TOPIC, '-p', '0'], 'k1\nk2\nk3\nk4\n');
    expect(p.code, p.stderr).toBe(0);

    // Out: 12 to the SDK, 12 to kcat, 12 to a group member (which commits 12).
    expect(await consumeWithSdk(broker.url, 12)).toHaveLength(12);
    const c = await kcat(broker.bootstrap, ['-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toHaveLength(12);
    const g = await runCli(['consume', TOPIC, '--group', 'g1', '-n', '12', '--broker', broker.url]);
    expect(g.code, g.stderr).toBe(0);
    // Two more records leave the group 2 behind.
    const more = await runCli(['produce', TOPIC, '--partition', '0', '--broker', broker.url], 'm1\nm2\n');
    expect(more.code, more.stderr).toBe(0);

    const { text, samples } = await scrape(broker.url);
    const lint = await promtoolCheck(text);
    // promtool parsed it all; its only complaints may be about prom-client's own default
    // names (nodejs_active_handles_total is a gauge), never about ours.
    expect(lint.lines.filter((l) => /pars|error/i.test(l) || l.startsWith('strata_')), lint.lines.join('\n')).toEqual([]);
    expect(lint.lines.every((l) => /^(nodejs|process)_/.test(l)), lint.lines.join('\n')).toBe(true);

    const topic = { topic: TOPIC };
    const partition = { topic: TOPIC, partition: '0' };
    expect(valueOf(samples, 'strata_topic_records_in_total', topic)).toBe(14);
    expect(valueOf(samples, 'strata_topic_records_out_total', topic)).toBe(36);
    // Bytes in are the stored batches: exactly the partition's log size (nothing deleted).
    expect(valueOf(samples, 'strata_topic_bytes_in_total', topic)).toBe(valueOf(samples, 'strata_partition_size_bytes', partition));
    expect(valueOf(samples, 'strata_topic_bytes_out_total', topic)).toBeGreaterThan(0);
    expect(valueOf(samples, 'strata_partition_log_end_offset', partition)).toBe(14);
    expect(valueOf(samples, 'strata_partition_high_watermark', partition)).toBe(14);
    expect(valueOf(samples, 'strata_consumer_group_committed_offset', { group: 'g1', ...partition })).toBe(12);
    expect(valueOf(samples, 'strata_consumer_group_lag', { group: 'g1', ...partition })).toBe(2);

    // Request histograms per listener and API; one kcat produce request at least.
    expect(valueOf(samples, 'strata_request_duration_seconds_count', { listener: 'kafka', api: 'produce' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'strata_request_duration_seconds_count', { listener: 'ws', api: 'produce' })).toBe(3);
    expect(valueOf(samples, 'strata_request_duration_seconds_count', { listener: 'ws', api: 'fetch' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'strata_request_duration_seconds_bucket', { listener: 'ws', api: 'produce', le: '+Inf' })).toBe(3);
    // --flush always: every acknowledged produce was covered by an fdatasync pass.
    const passes = valueOf(samples, 'strata_fsync_duration_seconds_count')!;
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'strata_group_commit_batch_appends_sum')).toBeGreaterThanOrEqual(4);
    expect(valueOf(samples, 'strata_fsync_failures_total')).toBe(0);
    expect(valueOf(samples, 'strata_unhealthy_partitions')).toBe(0);
    expect(valueOf(samples, 'strata_recovery_duration_seconds')).toBeGreaterThan(0);
    expect(valueOf(samples, 'strata_connections', { listener: 'ws' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'strata_connections', { listener: 'kafka' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'strata_tail_cache_hit_ratio')).toBeGreaterThan(0);
    expect(valueOf(samples, 'strata_index_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'strata_connections_accepted_total', { listener: 'kafka' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(samples, 'strata_connections_accepted_total', { listener: 'ws' })).toBeGreaterThanOrEqual(3);
    // prom-client's process and runtime metrics.
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('the README scrape config is a valid Prometheus config (promtool check config)', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const start = readme.indexOf('## Metrics and health');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'a yaml block under "Metrics and health"').toBeTruthy();
    const dir = await mkdtemp(join(tmpdir(), 'strata-promcfg-'));
    try {
      await writeFile(join(dir, 'prometheus.yml'), yaml!);
      const res = await promtool(['check', 'config', join(dir, 'prometheus.yml')]);
      expect(res.code, res.lines.join('\n')).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is absent with --metrics off, while health stays', async () => {
    const b = await startBrokerProcess(['--metrics', 'off']);
    try {
      const res = await fetch(`${httpOf(b.url)}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).toMatch(/--metrics off/);
      expect((await fetch(`${httpOf(b.url)}/healthz`)).status).toBe(200);
    } finally {
      await b.stop();
      await removeDir(b.dataDir);
    }
  });
});
