/**
 * fsyncgate: after a failed fdatasync the kernel may have dropped the dirty pages, so a retry
 * that succeeds proves nothing. The partition must stop acknowledging for good (until the broker
 * restarts and recovers it), say so, and leave other partitions alone. The failure is injected
 * at the OS boundary of a real broker process (harness/fault-preload.mjs).
 */
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../proto/errors.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { StorageError, Strata } from '../../client/index.js';
import { startBroker, waitFor, type BrokerChild } from './harness/broker-process.js';
import { produceBody, readPartition, WireClient } from './harness/wire-client.js';

const PRELOAD = fileURLToPath(new URL('./harness/fault-preload.mjs', import.meta.url));

function batch(value: string): Buffer {
  return encodeRecordBatch([{ value: Buffer.from(value) }]);
}

describe('a failed fsync', () => {
  let dataDir: string;
  let faultDir: string;
  const brokers: BrokerChild[] = [];
  const clients: WireClient[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-fsync-'));
    faultDir = await mkdtemp(join(tmpdir(), 'strata-faults-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    for (const b of brokers.splice(0)) await b.kill();
    await rm(dataDir, { recursive: true, force: true });
    await rm(faultDir, { recursive: true, force: true });
  });

  async function boot(): Promise<{ broker: BrokerChild; client: WireClient }> {
    const broker = await startBroker(dataDir, {
      env: { NODE_OPTIONS: `--import=${PRELOAD}`, STRATA_FAULT_DIR: faultDir },
    });
    brokers.push(broker);
    const client = await WireClient.handshake(broker.url);
    clients.push(client);
    return { broker, client };
  }

  const produceCode = async (c: WireClient, topic: string, value: string): Promise<number> => {
    const res = await c.request(produceBody(topic, 0, batch(value)));
    return res.produce!.topics![0]!.partitions![0]!.error?.code ?? 0;
  };

  it('makes the partition stop acknowledging for good, reports it, and spares other partitions', async () => {
    let { broker, client } = await boot();
    await client.request({ createTopics: { topics: [{ name: 'sick' }, { name: 'well' }] } });
    for (let i = 0; i < 5; i++) expect(await produceCode(client, 'sick', `acked-${i}`)).toBe(0);

    // The disk fails one fdatasync of this partition's log.
    await writeFile(join(faultDir, 'fsync-eio'), 'sick-0/');
    expect(await produceCode(client, 'sick', 'during-failure')).toBe(ErrorCode.STORAGE_ERROR);
    expect((await readFile(join(faultDir, 'fsync-eio.hits'), 'utf8')).length).toBeGreaterThan(0);
    await unlink(join(faultDir, 'fsync-eio'));

    // The disk "works" again, but the broker does not retry blindly: nothing is acknowledged.
    for (let i = 0; i < 3; i++) expect(await produceCode(client, 'sick', `after-${i}`)).toBe(ErrorCode.STORAGE_ERROR);
    const meta = await client.request({ metadata: { topics: ['sick', 'well'] } });
    const sick = meta.metadata!.topics!.find((t) => t.name === 'sick')!.partitions![0]!;
    const well = meta.metadata!.topics!.find((t) => t.name === 'well')!.partitions![0]!;
    expect(sick.error).toMatchObject({ code: ErrorCode.STORAGE_ERROR });
    expect(well.error ?? null).toBeNull();
    await waitFor(() => broker.find('fsync failed; log is unhealthy until reopened').length > 0, 5_000, 'unhealthy log line');

    // The SDK gives up with the typed error instead of hanging or succeeding.
    const sdk = new Strata({ brokers: broker.url, retry: { retries: 2, initialRetryTimeMs: 10, maxRetryTimeMs: 20 } });
    try {
      await expect(sdk.producer().send({ topic: 'sick', messages: [{ value: 'sdk' }] })).rejects.toBeInstanceOf(StorageError);
      // Other partitions keep working, and reads of the sick one still serve what was acknowledged.
      const [meta2] = await sdk.producer().send({ topic: 'well', messages: [{ value: 'fine' }] });
      expect(meta2!.offset).toBe(0);
    } finally {
      await sdk.close();
    }
    const before = (await readPartition(client, 'sick', 0)).records.map((r) => r.value!.toString());
    expect(before.slice(0, 5)).toEqual(['acked-0', 'acked-1', 'acked-2', 'acked-3', 'acked-4']);
    expect(before).not.toContain('after-0');

    // A restart reopens (and recovers) the log: acknowledged records are there, writes resume.
    await broker.stop();
    ({ broker, client } = await boot());
    const after = (await readPartition(client, 'sick', 0)).records.map((r) => r.value!.toString());
    expect(after.slice(0, 5)).toEqual(before.slice(0, 5));
    expect(await produceCode(client, 'sick', 'healed')).toBe(0);
  });
});
