/**
 * SCRAM credentials in `<dataDir>/credentials.json` (mode 0600, rewritten atomically through
 * SecurityFile):
 *
 *   { "version": 1,
 *     "fakeSaltSecret": "<base64, 32 bytes>",
 *     "users": { "alice": { "SCRAM-SHA-512": { "salt": "<b64>", "iterations": 4096,
 *                                              "storedKey": "<b64>", "serverKey": "<b64>" } } } }
 *
 * Only StoredKey and ServerKey are kept (scram-credential.ts says what that protects). The
 * fake-salt secret is generated on first open and written with the first change, so unknown
 * names keep their stand-in salts across restarts once any user exists.
 *
 * Concurrency: reads are synchronous on the in-memory map; changes are serialized by
 * SecurityFile and applied to memory only after the file is durable.
 */
import { join } from 'node:path';
import { fromBase64, toBase64 } from '../../proto/base64.js';
import { DuplicateResourceError, ResourceNotFoundError } from '../../proto/errors.js';
import { isScramMechanism, type ScramMechanism } from '../../proto/sasl/scram-mechanisms.js';
import type { CredentialStore, CredentialWriteMode, UserListing } from './credential-store.js';
import { FAKE_SALT_SECRET_BYTES, fakeScramCredential, newFakeSaltSecret } from './fake-credentials.js';
import { checkUsername } from './principal.js';
import { checkScramCredential, type ScramCredential } from './scram-credential.js';
import type { SecurityDocument } from './security-document.js';
import { SecurityFile } from './security-file.js';

export const CREDENTIALS_FILE = 'credentials.json';
export const CREDENTIALS_FORMAT_VERSION = 1;
const FORMAT_VERSION = CREDENTIALS_FORMAT_VERSION;

type UserMap = ReadonlyMap<string, ReadonlyMap<ScramMechanism, ScramCredential>>;

export interface CredentialsDoc {
  fakeSaltSecret: string;
  users: Record<string, Record<string, { salt: string; iterations: number; storedKey: string; serverKey: string }>>;
}

export class FileCredentialStore implements CredentialStore {
  private users: UserMap;
  private secret: Uint8Array;

  /** `doc`: the data dir's file here; an etcd key for EtcdCredentialStore. */
  protected constructor(private readonly file: SecurityDocument<CredentialsDoc>, initial: CredentialsDoc | null) {
    this.users = initial ? usersFromDoc(initial) : new Map();
    this.secret = initial ? fromBase64(initial.fakeSaltSecret)! : newFakeSaltSecret();
  }

  static async open(dataDir: string): Promise<FileCredentialStore> {
    const file = new SecurityFile<CredentialsDoc>(join(dataDir, CREDENTIALS_FILE), FORMAT_VERSION, validateCredentialsDoc);
    return new FileCredentialStore(file, await file.read());
  }

  /** The whole content as its document (seeds a cluster's etcd from a data dir). */
  document(): CredentialsDoc {
    return this.toDoc(this.users);
  }

  /** Takes a version written elsewhere (another broker, through etcd) as the current content. */
  protected adopt(doc: CredentialsDoc | null): void {
    if (doc === null) {
      this.users = new Map();
      return;
    }
    this.users = usersFromDoc(doc);
    this.secret = fromBase64(doc.fakeSaltSecret)!;
  }

  get path(): string {
    return this.file.path;
  }

  get size(): number {
    return this.users.size;
  }

  lookup(username: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(username)?.get(mechanism);
  }

  fakeCredential(username: string, mechanism: ScramMechanism): ScramCredential {
    return fakeScramCredential(this.secret, username, mechanism);
  }

  list(): UserListing[] {
    return [...this.users.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, creds]) => ({
        name,
        credentials: [...creds.values()].map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })),
      }));
  }

  put(username: string, credential: ScramCredential, mode: CredentialWriteMode): Promise<void> {
    checkUsername(username);
    checkScramCredential(credential);
    return this.file.update(() => {
      const had = this.users.get(username)?.has(credential.mechanism) ?? false;
      if (mode === 'create' && had) throw new DuplicateResourceError(`user ${username} already has a ${credential.mechanism} credential`);
      if (mode === 'replace' && !had) throw new ResourceNotFoundError(`user ${username} has no ${credential.mechanism} credential`);
      const next = new Map(this.users);
      next.set(username, new Map(this.users.get(username)).set(credential.mechanism, credential));
      return { doc: this.toDoc(next), commit: () => { this.users = next; } };
    });
  }

  delete(username: string, mechanism?: ScramMechanism): Promise<void> {
    return this.file.update(() => {
      const creds = this.users.get(username);
      if (!creds || (mechanism !== undefined && !creds.has(mechanism))) {
        throw new ResourceNotFoundError(`user ${username} has no ${mechanism ?? 'SCRAM'} credential`);
      }
      const next = new Map(this.users);
      const rest = new Map(creds);
      if (mechanism === undefined) rest.clear();
      else rest.delete(mechanism);
      if (rest.size === 0) next.delete(username);
      else next.set(username, rest);
      return { doc: this.toDoc(next), commit: () => { this.users = next; } };
    });
  }

  private toDoc(users: UserMap): CredentialsDoc {
    const out: CredentialsDoc['users'] = {};
    for (const [name, creds] of users) {
      const entry: CredentialsDoc['users'][string] = {};
      for (const c of creds.values()) {
        entry[c.mechanism] = { salt: toBase64(c.salt), iterations: c.iterations, storedKey: toBase64(c.storedKey), serverKey: toBase64(c.serverKey) };
      }
      out[name] = entry;
    }
    return { fakeSaltSecret: toBase64(this.secret), users: out };
  }
}

export function validateCredentialsDoc(doc: Record<string, unknown>): CredentialsDoc {
  const secret = typeof doc.fakeSaltSecret === 'string' ? fromBase64(doc.fakeSaltSecret) : null;
  if (secret?.length !== FAKE_SALT_SECRET_BYTES) throw new Error('fakeSaltSecret is missing or malformed');
  if (doc.users === null || typeof doc.users !== 'object' || Array.isArray(doc.users)) throw new Error('users is not an object');
  const typed = doc as unknown as CredentialsDoc;
  usersFromDoc(typed); // throws on any malformed entry
  return typed;
}

function usersFromDoc(doc: CredentialsDoc): UserMap {
  const users = new Map<string, Map<ScramMechanism, ScramCredential>>();
  for (const [name, entry] of Object.entries(doc.users)) {
    checkUsername(name);
    if (entry === null || typeof entry !== 'object') throw new Error(`user ${name}: not an object`);
    const creds = new Map<ScramMechanism, ScramCredential>();
    for (const [mechanism, raw] of Object.entries(entry)) {
      if (!isScramMechanism(mechanism)) throw new Error(`user ${name}: unknown mechanism ${mechanism}`);
      const salt = fromBase64(String(raw?.salt));
      const storedKey = fromBase64(String(raw?.storedKey));
      const serverKey = fromBase64(String(raw?.serverKey));
      if (!salt || !storedKey || !serverKey) throw new Error(`user ${name} ${mechanism}: keys are not base64`);
      const credential: ScramCredential = { mechanism, salt, iterations: Number(raw.iterations), storedKey, serverKey };
      checkScramCredential(credential);
      creds.set(mechanism, credential);
    }
    if (creds.size > 0) users.set(name, creds);
  }
  return users;
}
