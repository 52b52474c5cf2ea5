import { access, mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../broker/broker.js';
import { silentLogger } from '../../../broker/logger.js';
import { InvalidConfigError } from '../../../proto/errors.js';
import { TopicStore } from '../../../broker/topics/topic-store.js';
import { Strata } from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

describe('Broker lifecycle', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('reports its URL and port, refuses a second start, and stops idempotently', async () => {
    const b: TestBroker = await startTestBroker();
    cleanup.push(() => b.stop());
    expect(b.port).toBeGreaterThan(0);
    expect(b.url).toBe(`ws://127.0.0.1:${b.port}`);
    expect(b.broker.url).toBe(b.url);
    expect(b.broker.address).toEqual({ host: '127.0.0.1', port: b.port });
    expect(b.broker.running).toBe(true);
    await expect(b.broker.start()).rejects.toThrow();
    await Promise.all([b.broker.stop(), b.broker.stop()]);
    expect(b.broker.running).toBe(false);
    await expect(RawClient.connect(b.url)).rejects.toThrow();
  });

  it('starts past partition directories of unknown topics and stray temp files, serving neither', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-ghost-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    await mkdir(join(dataDir, 'ghost-0'));
    await writeFile(join(dataDir, 'topics.json.tmp'), '{"version":1,"topics":[{"name":"ghost","partitions":1}');
    const b = await startTestBroker({ dataDir });
    cleanup.push(() => b.stop({ keepDir: true }));
    const c = await RawClient.connect(b.url);
    expect((await c.request({ listTopics: {} })).listTopics!.names).toEqual([]);
    c.close();
    // A topic created under the stray's name starts empty: the stray files are not adopted.
    await writeFile(join(dataDir, 'ghost-0', '00000000000000000000.log'), Buffer.alloc(200, 7));
    const strata = new Strata({ brokers: b.url });
    cleanup.push(() => strata.close());
    await strata.admin().createTopic({ name: 'ghost', partitions: 1 });
    expect((await strata.admin().listOffsets('ghost', 0, 'latest')).offset).toBe(0);
  });

  it('finishes at start a topic delete that was interrupted after it was persisted', async () => {
    const b = await startTestBroker();
    const dataDir = b.dataDir;
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const strata = new Strata({ brokers: b.url });
    await strata.admin().createTopic({ name: 'doomed', partitions: 2 });
    await strata.admin().createTopic({ name: 'kept', partitions: 1 });
    const producer = strata.producer();
    await producer.send({ topic: 'doomed', messages: [{ value: 'old-1' }, { value: 'old-2' }] });
    await producer.close();
    await strata.close();
    await b.stop({ keepDir: true });
    // What a kill -9 right after the delete's topics.json write leaves: the topic is gone from
    // the file, marked deleting, and its directories are all still there.
    const store = await TopicStore.open(dataDir, silentLogger());
    await store.remove('doomed');
    expect((await readdir(dataDir)).filter((n) => n.startsWith('doomed-')).sort()).toEqual(['doomed-0', 'doomed-1']);

    const again = await startTestBroker({ dataDir });
    cleanup.push(() => again.stop({ keepDir: true }));
    // The directories are renamed aside at start; their files go in the background.
    expect((await readdir(dataDir)).filter((n) => n.startsWith('doomed') && !n.endsWith('-delete'))).toEqual([]);
    expect((await TopicStore.open(dataDir, silentLogger())).deleting()).toEqual([]);
    const deadline = Date.now() + 10_000;
    while ((await readdir(dataDir)).some((n) => n.startsWith('doomed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await readdir(dataDir)).filter((n) => n.startsWith('doomed'))).toEqual([]);
    const client = new Strata({ brokers: again.url });
    cleanup.push(() => client.close());
    expect(await client.admin().listTopics()).toEqual(['kept']);
    await client.admin().createTopic({ name: 'doomed', partitions: 2 });
    expect((await client.admin().listOffsets('doomed', 0, 'latest')).offset).toBe(0);
    expect((await client.admin().listOffsets('doomed', 1, 'latest')).offset).toBe(0);
  });

  it('creates every topic of one large CreateTopics request, each with its own outcome', async () => {
    const b = await startTestBroker();
    cleanup.push(() => b.stop());
    const strata = new Strata({ brokers: b.url });
    cleanup.push(() => strata.close());
    const admin = strata.admin();
    const names = Array.from({ length: 300 }, (_, i) => ({ name: `bulk-${i}`, partitions: 1 }));
    const results = await admin.createTopics([...names, { name: 'twice', partitions: 1 }, { name: 'twice', partitions: 1 },
      { name: 'bad/name', partitions: 1 }]);
    expect(results.slice(0, 300).filter((r) => r.error !== null)).toEqual([]);
    expect(results.slice(300).map((r) => r.error?.name)).toEqual(['InvalidRequestError', 'InvalidRequestError', 'InvalidTopicNameError']);
    const restarted = await b.restart();
    cleanup.push(() => restarted.stop());
    const after = new Strata({ brokers: restarted.url });
    cleanup.push(() => after.close());
    expect((await after.admin().listTopics()).length).toBe(300);
  });

  it('validates its config in the constructor', () => {
    expect(() => new Broker({ dataDir: '' }, silentLogger())).toThrow(InvalidConfigError);
    expect(() => new Broker({ dataDir: '/tmp/x', port: 99_999 }, silentLogger())).toThrow(InvalidConfigError);
  });

  it('fails start on a busy port before opening storage, releasing the directory for reuse', async () => {
    const first = await startTestBroker();
    cleanup.push(() => first.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-busy-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const second = new Broker({ dataDir, port: first.port, logLevel: 'silent' }, silentLogger());
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await second.stop(); // harmless after a failed start
    // The port is bound before recovery (so /readyz answers during it): storage was never
    // opened, so it left no clean-shutdown marker, and the lock is released for the next broker.
    await expect(access(join(dataDir, '.strata-clean-shutdown'))).rejects.toThrow(/ENOENT/);
    const again = await startTestBroker({ dataDir });
    cleanup.push(() => again.stop({ keepDir: true }));
    expect(again.broker.running).toBe(true);
  });

  it('holds one file descriptor per idle partition (its active log), so 10,000 fit the fd limit', async () => {
    const b = await startTestBroker();
    cleanup.push(() => b.stop());
    const strata = new Strata({ brokers: b.url });
    cleanup.push(() => strata.close());
    await strata.admin().createTopics(Array.from({ length: 50 }, (_, i) => ({ name: `fd-${i}`, partitions: 4 })));
    const producer = strata.producer();
    await producer.send({ topic: 'fd-0', messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'v' })) });
    await producer.close();
    const fds = await readdir(`/proc/${process.pid}/fd`);
    const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${process.pid}/fd/${fd}`).catch(() => '')));
    // The broker's own __consumer_offsets partitions hold theirs too; count the topics' alone.
    const inData = targets.filter((t) => t.startsWith(`${b.dataDir}/fd-`));
    expect(inData.filter((t) => t.endsWith('.log')).length).toBe(200);
    expect(inData.filter((t) => !t.endsWith('.log'))).toEqual([]);
  });
});
