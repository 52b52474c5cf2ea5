import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalSaslStateError, SaslAuthenticationFailedError, UnsupportedSaslMechanismError } from '../../../proto/errors.js';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { AUTH_FAILURE_DELAY_MS, SaslAuthenticator } from '../../../broker/security/sasl-authenticator.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { newSecurityStats } from '../../../broker/security/security-stats.js';
import { ScramClient } from '../../../client/sasl/scram-client.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('SaslAuthenticator', () => {
  let dir: string;
  let credentials: FileCredentialStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-sasl-'));
    credentials = await FileCredentialStore.open(dir);
    await credentials.put('alice', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'alice-pw' }), 'create');
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('logs in over SCRAM and names the principal', async () => {
    const stats = newSecurityStats();
    const auth = new SaslAuthenticator({ credentials, tls: false, stats });
    auth.begin('SCRAM-SHA-256');
    const client = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-pw' });
    const first = await auth.step(client.clientFirst());
    expect(first.principal).toBeNull();
    const final = await auth.step(await client.clientFinal(first.challenge));
    expect(final.principal).toBe('User:alice');
    await client.verifyServerFinal(final.challenge);
    expect(stats.authenticationsSucceeded).toBe(1);
    await expect(auth.step(enc('again'))).rejects.toThrow(IllegalSaslStateError);
  });

  it('answers a failed login only after the fixed delay, and counts it', async () => {
    const stats = newSecurityStats();
    const auth = new SaslAuthenticator({ credentials, tls: false, stats });
    auth.begin('SCRAM-SHA-512'); // alice has no SHA-512 credential: same as an unknown user
    const client = new ScramClient({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-pw' });
    const first = await auth.step(client.clientFirst());
    const started = performance.now();
    await expect(auth.step(await client.clientFinal(first.challenge))).rejects.toThrow(SaslAuthenticationFailedError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(AUTH_FAILURE_DELAY_MS - 5);
    expect(stats.authenticationsFailed).toBe(1);
  });

  it('offers PLAIN only over TLS, and PLAIN checks the stored SCRAM credential', async () => {
    const stats = newSecurityStats();
    const plaintext = new SaslAuthenticator({ credentials, tls: false, stats });
    expect(plaintext.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(() => plaintext.begin('PLAIN')).toThrow(/only over TLS/);
    expect(() => plaintext.begin('GSSAPI')).toThrow(UnsupportedSaslMechanismError);

    const ok = new SaslAuthenticator({ credentials, tls: true, stats, failureDelayMs: 1 });
    ok.begin('PLAIN');
    expect((await ok.step(enc('\u0000alice\u0000alice-pw'))).principal).toBe('User:alice');
    const messages: string[] = [];
    for (const token of ['\u0000alice\u0000wrong', '\u0000nobody\u0000alice-pw', 'alice\u0000alice\u0000wrong']) {
      const bad = new SaslAuthenticator({ credentials, tls: true, stats, failureDelayMs: 1 });
      bad.begin('PLAIN');
      await bad.step(enc(token)).catch((err: Error) => messages.push(err.message));
    }
    expect(new Set(messages)).toEqual(new Set(['Authentication failed: Invalid username or password']));
    for (const token of ['', 'no-nuls', '\u0000\u0000', 'eve\u0000alice\u0000alice-pw', 'x'.repeat(2000)]) {
      const bad = new SaslAuthenticator({ credentials, tls: true, stats, failureDelayMs: 1 });
      bad.begin('PLAIN');
      await expect(bad.step(enc(token)), JSON.stringify(token.slice(0, 20))).rejects.toThrow(SaslAuthenticationFailedError);
    }
  });

  it('refuses a step before a mechanism and a second mechanism', async () => {
    const auth = new SaslAuthenticator({ credentials, tls: false, stats: newSecurityStats() });
    await expect(auth.step(enc('n,,n=alice,r=x'))).rejects.toThrow(IllegalSaslStateError);
    auth.begin('SCRAM-SHA-256');
    expect(() => auth.begin('SCRAM-SHA-512')).toThrow(IllegalSaslStateError);
  });
});
