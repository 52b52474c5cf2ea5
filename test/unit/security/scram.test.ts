import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64 } from '../../../proto/base64.js';
import { IllegalSaslStateError, SaslAuthenticationFailedError, StrataError } from '../../../proto/errors.js';
import { SCRAM_MECHANISM_NAMES, SCRAM_MESSAGE_BYTES_MAX, type ScramMechanism } from '../../../proto/sasl/scram-mechanisms.js';
import { escapeSaslName, unescapeSaslName } from '../../../proto/sasl/scram-messages.js';
import { fakeScramCredential, newFakeSaltSecret } from '../../../broker/security/fake-credentials.js';
import { scramCredentialFromPassword, type ScramCredential } from '../../../broker/security/scram-credential.js';
import { ScramServer } from '../../../broker/security/scram-server.js';
import { ScramClient } from '../../../client/sasl/scram-client.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function serverFor(users: Record<string, ScramCredential>, mechanism: ScramMechanism, secret = newFakeSaltSecret(), serverNonce?: string): ScramServer {
  return new ScramServer({
    mechanism,
    lookup: (name, m) => (users[name]?.mechanism === m ? users[name] : undefined),
    fakeCredential: (name, m) => fakeScramCredential(secret, name, m),
    serverNonce: serverNonce === undefined ? undefined : () => serverNonce,
  });
}

/** Runs a whole exchange through the SDK client; returns the server's authenticated name. */
async function login(server: ScramServer, username: string, password: string): Promise<string | null> {
  const client = new ScramClient({ mechanism: server.mechanism, username, password });
  const serverFirst = server.evaluate(client.clientFirst());
  const final = server.evaluate(await client.clientFinal(serverFirst.challenge));
  expect(final.complete).toBe(true);
  await client.verifyServerFinal(final.challenge);
  return server.username;
}

// RFC 7677 section 3: user "user", password "pencil".
const RFC7677 = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const rfcCredential = scramCredentialFromPassword({
  mechanism: 'SCRAM-SHA-256', password: 'pencil', iterations: 4096, salt: fromBase64('W22ZaJ0SNY7soEsUEjb6gQ==')!,
});

describe('SCRAM server (RFC 5802 / RFC 7677)', () => {
  it('answers the RFC 7677 SCRAM-SHA-256 example byte for byte', () => {
    const server = serverFor({ user: rfcCredential }, 'SCRAM-SHA-256', undefined, RFC7677.serverNonce);
    const first = server.evaluate(enc(RFC7677.clientFirst));
    expect(dec(first.challenge)).toBe(RFC7677.serverFirst);
    expect(first.complete).toBe(false);
    const final = server.evaluate(enc(RFC7677.clientFinal));
    expect(dec(final.challenge)).toBe(RFC7677.serverFinal);
    expect(final.complete).toBe(true);
    expect(server.username).toBe('user');
  });

  it('the SDK client produces the RFC 7677 client-final and accepts its server-final', async () => {
    const client = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil', clientNonce: 'rOprNGfwEbeRWgbNEkqO' });
    expect(dec(client.clientFirst())).toBe(RFC7677.clientFirst);
    expect(dec(await client.clientFinal(enc(RFC7677.serverFirst)))).toBe(RFC7677.clientFinal);
    await client.verifyServerFinal(enc(RFC7677.serverFinal));
    expect(client.isComplete).toBe(true);
  });

  for (const mechanism of SCRAM_MECHANISM_NAMES) {
    it(`logs in with ${mechanism}, names with ',' and '=' and non-ASCII escaped`, async () => {
      const name = 'al=ice,ü';
      const users = { [name]: scramCredentialFromPassword({ mechanism, password: 'correct horse' }) };
      expect(await login(serverFor(users, mechanism), name, 'correct horse')).toBe(name);
    });
  }

  it('fails a wrong password and an unknown user with the same error, after a normal-looking server-first', async () => {
    const secret = newFakeSaltSecret();
    const users = { alice: scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: 'right' }) };
    const errors: string[] = [];
    const salts: string[] = [];
    for (const [name, password] of [['alice', 'wrong'], ['mallory', 'anything'], ['mallory', 'anything']] as const) {
      const server = serverFor(users, 'SCRAM-SHA-512', secret);
      const client = new ScramClient({ mechanism: 'SCRAM-SHA-512', username: name, password });
      const serverFirst = dec(server.evaluate(client.clientFirst()).challenge);
      expect(serverFirst).toMatch(/^r=[^,]+,s=[A-Za-z0-9+/=]{44},i=4096$/);
      salts.push(serverFirst.split(',')[1]!);
      const clientFinal = await client.clientFinal(enc(serverFirst));
      try {
        server.evaluate(clientFinal);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(SaslAuthenticationFailedError);
        errors.push((err as Error).message);
      }
      expect(server.username).toBeNull();
    }
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toContain('invalid credentials');
    expect(errors[0]).not.toMatch(/alice|mallory|exist|unknown/i);
    expect(salts[1]).toBe(salts[2]); // an unknown name's salt is as stable as a real one's
  });

  it('refuses a client-final replayed into a new exchange, and any message after completion', async () => {
    const users = { bob: scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'pw' }) };
    const first = serverFor(users, 'SCRAM-SHA-256');
    const client = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'bob', password: 'pw', clientNonce: 'fixedclientnonce' });
    const clientFirst = client.clientFirst();
    const clientFinal = await client.clientFinal(first.evaluate(clientFirst).challenge);
    expect(first.evaluate(clientFinal).complete).toBe(true);
    expect(() => first.evaluate(clientFinal)).toThrow(IllegalSaslStateError);

    const second = serverFor(users, 'SCRAM-SHA-256');
    second.evaluate(clientFirst); // same client nonce, new server nonce
    expect(() => second.evaluate(clientFinal)).toThrow(/Invalid client nonce/);
    expect(() => second.evaluate(clientFinal)).toThrow(IllegalSaslStateError);
  });

  it('refuses every alteration of a valid client-final', async () => {
    const users = { bob: scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'pw' }) };
    const alterations: Array<[string, (s: string) => string, RegExp]> = [
      ['a flipped proof bit', (s) => s.replace(/p=(.)/, (_m, c: string) => `p=${c === 'A' ? 'B' : 'A'}`), /invalid credentials/],
      ['a short proof', (s) => s.replace(/p=.*$/, 'p=AAAA'), /invalid credentials/],
      ['another channel binding', (s) => s.replace('c=biws', 'c=eSws'), /channel binding/],
      ['a changed nonce', (s) => s.replace(/r=([^,]+)/, 'r=$1x'), /nonce/],
      ['only the client nonce', (s) => s.replace(/r=([^,]+)/, 'r=clientnonce'), /nonce/],
      ['an inserted extension', (s) => s.replace(',p=', ',x=1,p='), /invalid credentials/],
      ['no proof', (s) => s.replace(/,p=.*$/, ''), /missing proof/],
      ['a proof that is not base64', (s) => s.replace(/p=.*$/, 'p=!!!!'), /not base64/],
    ];
    for (const [what, alter, expected] of alterations) {
      const server = serverFor(users, 'SCRAM-SHA-256');
      const client = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'bob', password: 'pw', clientNonce: 'clientnonce' });
      const final = dec(await client.clientFinal(server.evaluate(client.clientFirst()).challenge));
      expect(() => server.evaluate(enc(alter(final))), what).toThrow(expected);
    }
  });

  it('refuses malformed client-first messages with typed errors', () => {
    const users = { bob: scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'pw' }) };
    const cases: Array<[string, RegExp]> = [
      ['p=tls-unique,,n=bob,r=abc', /channel binding/],
      ['x,,n=bob,r=abc', /GS2 header/],
      ['n', /truncated/],
      ['n,a=eve,n=bob,r=abc', /authorization id/],
      ['n,,m=ext,n=bob,r=abc', /mandatory extension/],
      ['n,,n=,r=abc', /empty username/],
      ['n,,n=b=ob,r=abc', /saslname/],
      ['n,,n=bob,r=', /nonce/],
      ['n,,n=bob,r=a b', /nonce/],
      ['n,,n=bob', /expected attribute r=/],
      ['n,,n=bob,r=abc,tokenauth=true', /delegation-token/],
      ['n,,n=bob,r=abc,=x', /malformed attribute/],
      [`n,,n=${'x'.repeat(256)},r=abc`, /longer than 255 bytes/],
      ['', /empty SCRAM/],
    ];
    for (const [text, expected] of cases) {
      const server = serverFor(users, 'SCRAM-SHA-256');
      expect(() => server.evaluate(enc(text)), text).toThrow(expected);
      expect(() => server.evaluate(enc(text)), text).toThrow(IllegalSaslStateError);
    }
    expect(() => serverFor(users, 'SCRAM-SHA-256').evaluate(new Uint8Array([0x6e, 0x2c, 0x2c, 0xff]))).toThrow(/UTF-8/);
    expect(() => serverFor(users, 'SCRAM-SHA-256').evaluate(enc('n,,n=bob,r=a\u0000'))).toThrow(/NUL/);
    const oversized = enc(`n,,n=bob,r=${'a'.repeat(SCRAM_MESSAGE_BYTES_MAX)}`);
    expect(() => serverFor(users, 'SCRAM-SHA-256').evaluate(oversized)).toThrow(/more than 4096/);
  });

  it('an authzid equal to the user name is accepted, as Kafka does', () => {
    const server = serverFor({ user: rfcCredential }, 'SCRAM-SHA-256', undefined, RFC7677.serverNonce);
    expect(dec(server.evaluate(enc('n,a=user,n=user,r=rOprNGfwEbeRWgbNEkqO')).challenge)).toBe(RFC7677.serverFirst);
    // c= must then carry that header, not "n,,".
    expect(() => server.evaluate(enc(RFC7677.clientFinal))).toThrow(/channel binding/);
  });

  it('every prefix of a valid exchange, and random bytes, fail with a typed error only', async () => {
    const users = { bob: scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-512', password: 'pw' }) };
    const client = new ScramClient({ mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'pw', clientNonce: 'nonce' });
    const first = client.clientFirst();
    const probe = serverFor(users, 'SCRAM-SHA-512', undefined, 'servernonce');
    const final = await client.clientFinal(probe.evaluate(first).challenge);
    for (let n = 0; n < first.length; n++) {
      const server = serverFor(users, 'SCRAM-SHA-512');
      try { server.evaluate(first.subarray(0, n)); } catch (err) { expect(err).toBeInstanceOf(StrataError); }
    }
    for (let n = 0; n < final.length; n++) {
      const server = serverFor(users, 'SCRAM-SHA-512', undefined, 'servernonce');
      server.evaluate(first);
      expect(() => server.evaluate(final.subarray(0, n))).toThrow(StrataError);
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), (a, b) => {
      const server = serverFor(users, 'SCRAM-SHA-512');
      try {
        server.evaluate(a);
        server.evaluate(b);
        return false; // random bytes never log in
      } catch (err) {
        return err instanceof StrataError;
      }
    }), { numRuns: 500 });
  });
});

describe('SCRAM client', () => {
  const serverFirst = (nonce: string, iterations = 4096): Uint8Array => enc(`r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${iterations}`);
  const fresh = (): ScramClient => {
    const c = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil', clientNonce: 'abc' });
    c.clientFirst();
    return c;
  };

  it('refuses a server nonce that does not extend its own, or adds nothing', async () => {
    await expect(fresh().clientFinal(serverFirst('xyz123'))).rejects.toThrow(/does not extend/);
    await expect(fresh().clientFinal(serverFirst('abc'))).rejects.toThrow(/does not extend/);
  });

  it('refuses iteration counts outside [4096, 16384] before spending CPU on them', async () => {
    await expect(fresh().clientFinal(serverFirst('abcdef', 4095))).rejects.toThrow(/iterations/);
    await expect(fresh().clientFinal(serverFirst('abcdef', 2_000_000_000))).rejects.toThrow(/iterations/);
  });

  it('refuses a server-final with the wrong signature or an error', async () => {
    const c = fresh();
    await c.clientFinal(serverFirst('abcdef'));
    await expect(c.verifyServerFinal(enc('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).rejects.toThrow(/signature does not match/);
    const d = fresh();
    await d.clientFinal(serverFirst('abcdef'));
    await expect(d.verifyServerFinal(enc('e=invalid-proof'))).rejects.toThrow(/invalid-proof/);
  });

  it('is used once, in order', async () => {
    const c = new ScramClient({ mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil' });
    await expect(c.clientFinal(serverFirst('abc'))).rejects.toThrow(IllegalSaslStateError);
    expect(() => new ScramClient({ mechanism: 'SCRAM-SHA-1' as ScramMechanism, username: 'u', password: 'p' })).toThrow(/unknown SCRAM mechanism/);
  });
});

describe('saslname escaping', () => {
  it('round-trips any name and refuses stray "="', () => {
    fc.assert(fc.property(fc.string(), (name) => unescapeSaslName(escapeSaslName(name)) === name));
    expect(escapeSaslName('a=b,c')).toBe('a=3Db=2Cc');
    expect(() => unescapeSaslName('a=2')).toThrow(SaslAuthenticationFailedError);
    expect(() => unescapeSaslName('a=41')).toThrow(SaslAuthenticationFailedError);
  });
});
