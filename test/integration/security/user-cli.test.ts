/**
 * `strata user create|list|delete`, run as real CLI processes: bootstrap in a data directory
 * before any broker runs, then through a running broker; the stored credential is a real SCRAM
 * credential (a SCRAM exchange with the password succeeds against it, and the password is not
 * in the file); refusals are one clear line.
 */
import { readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { ScramServer } from '../../../broker/security/scram-server.js';
import { Strata } from '../../../client/index.js';
import { ScramClient } from '../../../client/sasl/scram-client.js';
import type { ScramMechanism } from '../../../proto/sasl/scram-mechanisms.js';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

async function scramLogin(dataDir: string, mechanism: ScramMechanism, username: string, password: string): Promise<boolean> {
  const store = await FileCredentialStore.open(dataDir);
  const server = new ScramServer({ mechanism, lookup: (u, m) => store.lookup(u, m), fakeCredential: (u, m) => store.fakeCredential(u, m) });
  const client = new ScramClient({ mechanism, username, password });
  try {
    const serverFirst = server.evaluate(client.clientFirst());
    const final = server.evaluate(await client.clientFinal(serverFirst.challenge));
    await client.verifyServerFinal(final.challenge);
    return final.complete;
  } catch {
    return false;
  }
}

describe('strata user', () => {
  const dirs: string[] = [];
  const brokers: BrokerProcess[] = [];
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.stop();
    for (const d of dirs.splice(0)) await removeDir(d);
  });
  const newDir = async () => { const d = await mkdtemp(join(tmpdir(), 'strata-users-')); dirs.push(d); return d; };

  it('bootstraps an administrator in a data directory before any broker runs, and the broker then knows it', async () => {
    const dir = await newDir();
    const created = await runCli(['user', 'create', 'alice', '--data-dir', dir, '--password-stdin'], 'alice-secret\n');
    expect(created.stderr).toBe('created user alice (SCRAM-SHA-512, 4096 iterations)\n');
    expect(created.code).toBe(0);
    const file = join(dir, 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain('alice-secret');
    expect(await scramLogin(dir, 'SCRAM-SHA-512', 'alice', 'alice-secret')).toBe(true);
    expect(await scramLogin(dir, 'SCRAM-SHA-512', 'alice', 'wrong')).toBe(false);

    const listed = await runCli(['user', 'list', '--data-dir', dir, '--format', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }] }]);

    const b = await startBrokerProcess([], dir);
    brokers.push(b);
    const viaBroker = await runCli(['user', 'list', '--broker', b.url]);
    expect(viaBroker.stdout).toMatch(/^USER\s+MECHANISMS\nalice\s+SCRAM-SHA-512\(4096\)\n$/);
    // The directory is the broker's now: a direct write would go unseen by it.
    const refused = await runCli(['user', 'create', 'mallory', '--data-dir', dir, '--password-stdin'], 'x\n');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/in use by another broker.*use --broker instead of --data-dir/);
  });

  it('creates, replaces, lists and deletes users through a running broker, with typed refusals', async () => {
    const b = await startBrokerProcess([]);
    brokers.push(b);
    dirs.push(b.dataDir);
    const cli = (args: string[], input?: string) => runCli([...args, '--broker', b.url], input);
    const client = new Strata({ brokers: b.url });
    try {
      const admin = client.securityAdmin();
      expect((await cli(['user', 'create', 'bob', '--password-stdin', '--mechanism', 'SCRAM-SHA-256', '--iterations', '8192'], 'pw1\n')).code).toBe(0);
      const dup = await cli(['user', 'create', 'bob', '--password-stdin', '--mechanism', 'SCRAM-SHA-256'], 'pw2\n');
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/^strata: DuplicateResourceError: user bob already has a SCRAM-SHA-256 credential\n$/);
      await admin.createUser('bob', 'pw2', { mechanism: 'SCRAM-SHA-256', replaceExisting: true });
      await admin.createUser('bob', 'pw3');
      await admin.createUser('carol', 'pw4', { iterations: 5000 });
      expect(await admin.listUsers()).toEqual([
        { name: 'bob', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
        { name: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 5000 }] },
      ]);
      await expect(admin.createUser('*', 'pw')).rejects.toMatchObject({ name: 'InvalidRequestError', message: expect.stringMatching(/"\*" is not a user name/) });
      await expect(admin.deleteUser('nobody')).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
      await admin.deleteUser('carol', 'SCRAM-SHA-512');
      const del = await cli(['user', 'delete', 'carol']);
      expect(del.code).toBe(1);
      expect(del.stderr).toMatch(/ResourceNotFoundError: user carol has no SCRAM credential/);
    } finally {
      await client.close();
    }
    // What the SDK derived on the client logs in with the password, the replaced one no longer.
    await b.stop();
    brokers.splice(0);
    expect(await scramLogin(b.dataDir, 'SCRAM-SHA-256', 'bob', 'pw2')).toBe(true);
    expect(await scramLogin(b.dataDir, 'SCRAM-SHA-256', 'bob', 'pw1')).toBe(false);
    expect(await scramLogin(b.dataDir, 'SCRAM-SHA-512', 'bob', 'pw3')).toBe(true);
    expect(await scramLogin(b.dataDir, 'SCRAM-SHA-512', 'carol', 'pw4')).toBe(false);
  });

  it('refuses a missing or empty password and out-of-range iterations before touching anything', async () => {
    const dir = await newDir();
    const noFlag = await runCli(['user', 'create', 'carol', '--data-dir', dir]);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toMatch(/no password: pass --password-stdin/);
    const empty = await runCli(['user', 'create', 'carol', '--data-dir', dir, '--password-stdin'], '\n');
    expect(empty.stderr).toMatch(/password must not be empty/);
    const few = await runCli(['user', 'create', 'carol', '--data-dir', dir, '--password-stdin', '--iterations', '1000'], 'pw\n');
    expect(few.code).toBe(2);
    expect(few.stderr).toMatch(/--iterations must be in \[4096,/);
    await expect(stat(join(dir, 'credentials.json'))).rejects.toThrow();
  });

  it('refuses user administration to a connection that has not logged in when auth is on', async () => {
    const b = await startBrokerProcess(['--auth', 'scram']);
    brokers.push(b);
    dirs.push(b.dataDir);
    const res = await runCli(['user', 'list', '--broker', b.url]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/IllegalSaslStateError: authenticate first/);
  });
});
