import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../broker/broker.js';
import { silentLogger } from '../../../broker/logger.js';
import { InvalidConfigError } from '../../../proto/errors.js';
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
  });

  it('validates its config in the constructor', () => {
    expect(() => new Broker({ dataDir: '' }, silentLogger())).toThrow(InvalidConfigError);
    expect(() => new Broker({ dataDir: '/tmp/x', port: 99_999 }, silentLogger())).toThrow(InvalidConfigError);
  });

  it('fails start on a busy port, closing storage cleanly so the directory is reusable', async () => {
    const first = await startTestBroker();
    cleanup.push(() => first.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-busy-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const second = new Broker({ dataDir, port: first.port, logLevel: 'silent' }, silentLogger());
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await second.stop(); // harmless after a failed start
    // Storage was closed: its clean-shutdown marker is there, and a new broker opens the dir.
    await access(join(dataDir, '.strata-clean-shutdown'));
    const again = await startTestBroker({ dataDir });
    cleanup.push(() => again.stop({ keepDir: true }));
    expect(again.broker.running).toBe(true);
  });
});
