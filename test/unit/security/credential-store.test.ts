import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateResourceError, InvalidRequestError, ResourceNotFoundError, StorageError, UnacceptableCredentialError } from '../../../proto/errors.js';
import { CREDENTIALS_FILE, FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { scramSecretFromPassword, deriveScramKeys, sha } from '../../../client/sasl/scram-crypto.js';

describe('FileCredentialStore', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-creds-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  const cred = (password: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' = 'SCRAM-SHA-512') =>
    scramCredentialFromPassword({ mechanism, password });

  it('keeps credentials across reopen, in a 0600 file that holds no password', async () => {
    const store = await FileCredentialStore.open(dir);
    await store.put('alice', cred('s3cret-password'), 'create');
    await store.put('alice', cred('s3cret-password', 'SCRAM-SHA-256'), 'create');
    const text = await readFile(join(dir, CREDENTIALS_FILE), 'utf8');
    expect(text).not.toContain('s3cret-password');
    expect((await stat(join(dir, CREDENTIALS_FILE))).mode & 0o777).toBe(0o600);
    const again = await FileCredentialStore.open(dir);
    expect(again.list()).toEqual([{ name: 'alice', credentials: [
      { mechanism: 'SCRAM-SHA-512', iterations: 4096 }, { mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }]);
    expect(Buffer.from(again.lookup('alice', 'SCRAM-SHA-512')!.storedKey)).toEqual(Buffer.from(store.lookup('alice', 'SCRAM-SHA-512')!.storedKey));
    expect(again.lookup('bob', 'SCRAM-SHA-512')).toBeUndefined();
  });

  it('keeps stand-in salts for unknown names stable across restarts once written', async () => {
    const store = await FileCredentialStore.open(dir);
    await store.put('alice', cred('pw'), 'create');
    const salt = store.fakeCredential('mallory', 'SCRAM-SHA-512').salt;
    const again = await FileCredentialStore.open(dir);
    expect(again.fakeCredential('mallory', 'SCRAM-SHA-512').salt).toEqual(salt);
    expect(again.fakeCredential('eve', 'SCRAM-SHA-512').salt).not.toEqual(salt);
  });

  it('create refuses an existing credential, replace a missing one, delete a missing user', async () => {
    const store = await FileCredentialStore.open(dir);
    await expect(store.put('alice', cred('pw'), 'replace')).rejects.toThrow(ResourceNotFoundError);
    await store.put('alice', cred('pw'), 'create');
    await expect(store.put('alice', cred('pw2'), 'create')).rejects.toThrow(DuplicateResourceError);
    await store.put('alice', cred('pw2'), 'replace');
    await store.put('alice', cred('pw3'), 'upsert');
    await expect(store.delete('bob')).rejects.toThrow(ResourceNotFoundError);
    await expect(store.delete('alice', 'SCRAM-SHA-256')).rejects.toThrow(ResourceNotFoundError);
    await store.delete('alice');
    expect(store.size).toBe(0);
    expect((await FileCredentialStore.open(dir)).size).toBe(0);
  });

  it('refuses bad names and out-of-bounds credentials', async () => {
    const store = await FileCredentialStore.open(dir);
    for (const name of ['', '*', '<default>', 'a\nb', 'x'.repeat(256)]) {
      expect(() => store.put(name, cred('pw'), 'create'), JSON.stringify(name)).toThrow(InvalidRequestError);
    }
    expect(() => scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'pw', iterations: 1000 })).toThrow(UnacceptableCredentialError);
    expect(() => scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'pw', iterations: 20_000 })).toThrow(UnacceptableCredentialError);
    expect(() => scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: '' })).toThrow(UnacceptableCredentialError);
    expect(() => store.put('a', { ...cred('pw'), storedKey: new Uint8Array(3) }, 'create')).toThrow(UnacceptableCredentialError);
  });

  it('serializes concurrent changes and loses none', async () => {
    const store = await FileCredentialStore.open(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`user-${i}`, cred('pw', 'SCRAM-SHA-256'), 'create')));
    expect((await FileCredentialStore.open(dir)).size).toBe(20);
  });

  it('refuses to open a damaged file instead of guessing, and ignores a stray temp file', async () => {
    const path = join(dir, CREDENTIALS_FILE);
    await writeFile(`${path}.tmp`, 'half a write');
    expect((await FileCredentialStore.open(dir)).size).toBe(0);
    for (const bad of ['garbage', '{"version":2,"users":{}}', '{"version":1,"fakeSaltSecret":"AAAA","users":{}}',
      JSON.stringify({ version: 1, fakeSaltSecret: Buffer.alloc(32).toString('base64'), users: { alice: { 'SCRAM-SHA-1': {} } } })]) {
      await writeFile(path, bad);
      await expect(FileCredentialStore.open(dir), bad).rejects.toThrow(StorageError);
    }
  });

  it('a failed write leaves memory and file as they were', async () => {
    const store = await FileCredentialStore.open(dir);
    await store.put('alice', cred('pw'), 'create');
    await rm(dir, { recursive: true }); // the directory is gone: the write must fail
    await expect(store.put('bob', cred('pw'), 'create')).rejects.toThrow(StorageError);
    expect(store.list().map((u) => u.name)).toEqual(['alice']);
  });

  it('the SDK (WebCrypto) derives the same keys as the broker (node:crypto)', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const secret = await scramSecretFromPassword(mechanism, 'päss word', 4096, 32);
      const broker = scramCredentialFromPassword({ mechanism, password: 'päss word', salt: secret.salt });
      expect(Buffer.from(secret.storedKey)).toEqual(Buffer.from(broker.storedKey));
      expect(Buffer.from(secret.serverKey)).toEqual(Buffer.from(broker.serverKey));
      const keys = await deriveScramKeys(mechanism, 'päss word', secret.salt, 4096);
      expect(await sha(mechanism === 'SCRAM-SHA-256' ? 'SHA-256' : 'SHA-512', keys.clientKey)).toEqual(secret.storedKey);
    }
  });
});
