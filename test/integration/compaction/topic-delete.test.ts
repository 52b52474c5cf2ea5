/**
 * Topic deletion against a real broker process: answered at once (the topic is gone from
 * metadata and its name can be reused immediately, without the old records), the files go in
 * the background, and a delete cut short by a crash is finished after the restart.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess();
});

afterAll(async () => {
  await broker?.stop();
  if (broker) await removeDir(broker.dataDir);
});

async function leftovers(): Promise<string[]> {
  return (await readdir(broker.dataDir)).filter((n) => n.endsWith('-delete'));
}

async function eventuallyNoLeftovers(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await leftovers()).length > 0) {
    if (Date.now() > deadline) throw new Error(`still there: ${(await leftovers()).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('topic deletion', () => {
  it('is answered at once; the name is reusable at once and the new topic holds none of the old records', async () => {
    const strata = new Strata({ brokers: broker.url });
    try {
      const admin = strata.admin();
      await admin.createTopic({ name: 'big', partitions: 2, config: { segmentBytes: 1024 * 1024 } });
      const producer = strata.producer();
      const value = 'x'.repeat(1000);
      for (let i = 0; i < 8; i++) {
        await producer.send({ topic: 'big', messages: Array.from({ length: 500 }, (_, k) => ({ key: `k${k}`, value })) });
      }
      await admin.deleteTopic('big');
      expect(await admin.listTopics()).not.toContain('big');
      await admin.createTopic({ name: 'big', partitions: 2 });
      await producer.send({ topic: 'big', messages: [{ key: 'new', value: 'fresh', partition: 0 }] });
      const ends = await Promise.all([0, 1].map((p) => admin.listOffsets('big', p, 'latest')));
      expect(ends.map((e) => e.offset)).toEqual([1, 0]);
      const consumer = strata.consumer({ decode: 'utf8' });
      await consumer.assign({ topic: 'big', partition: 0, offset: 'earliest' });
      const first = await consumer[Symbol.asyncIterator]().next();
      expect(first.value).toMatchObject({ offset: 0, value: 'fresh' });
      await consumer.close();
    } finally {
      await strata.close();
    }
    await eventuallyNoLeftovers();
  });

  it('finishes after a restart a delete that a crash cut short', async () => {
    await broker.kill();
    // What kill -9 in the middle of a background delete leaves: a directory renamed aside, partly emptied.
    const cut = join(broker.dataDir, `gone-0.1700000000000.3-delete`);
    await mkdir(cut, { recursive: true });
    await writeFile(join(cut, '00000000000000000000.log.deleted'), Buffer.alloc(3 * 1024 * 1024));
    broker = await startBrokerProcess([], broker.dataDir);
    await eventuallyNoLeftovers();
    const strata = new Strata({ brokers: broker.url });
    try {
      expect(await strata.admin().listTopics()).toContain('big');
    } finally {
      await strata.close();
    }
  });
});
