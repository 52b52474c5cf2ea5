import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../broker/broker.js';
import { DATA_DIR_LOCK_FILE } from '../../../broker/data-dir-lock.js';
import { silentLogger } from '../../../broker/logger.js';
import { StorageError } from '../../../proto/errors.js';

describe('one broker per data directory', () => {
  const brokers: Broker[] = [];
  let dir = '';

  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const newBroker = () => {
    const b = new Broker({ dataDir: dir, port: 0 }, silentLogger());
    brokers.push(b);
    return b;
  };

  it('refuses a second broker on a directory in use, and allows it once the first stops', async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-lock-'));
    const first = newBroker();
    await first.start();
    expect((await readFile(join(dir, DATA_DIR_LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));

    // Same process here, so fake a live foreign owner: pid 1 always exists.
    await writeFile(join(dir, DATA_DIR_LOCK_FILE), '1\n');
    const second = newBroker();
    await expect(second.start()).rejects.toThrow(StorageError);
    await expect(newBroker().start()).rejects.toThrow(/in use by another broker \(pid 1\)/);

    await writeFile(join(dir, DATA_DIR_LOCK_FILE), `${process.pid}\n`);
    await first.stop();
    await expect(readFile(join(dir, DATA_DIR_LOCK_FILE))).rejects.toThrow(/ENOENT/);
    await newBroker().start();
  });

  it('takes over a stale lock left by a process that died', async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(dir, DATA_DIR_LOCK_FILE), `${dead}\n`);
    const broker = newBroker();
    await broker.start();
    expect((await readFile(join(dir, DATA_DIR_LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
  });
});
