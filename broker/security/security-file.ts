/**
 * The security stores' files in the data directory (credentials.json, acls.json, quotas.json):
 * one JSON document each, rewritten whole and atomically (temp file, fsync, rename, directory
 * fsync: topics/atomic-file.ts), mode 0600 because they hold secrets or policy.
 *
 * An unreadable file (not JSON, unknown version, a field out of shape) stops the broker from
 * starting, with the file named. Guessing would be worse either way: an empty credential set
 * locks everyone out, an empty ACL set with a permissive fallback would open everything.
 *
 * Concurrency: writes through one SecurityFile are serialized on a promise chain; a failed
 * write leaves the previous file in place and rejects its caller, and later writes still run.
 */
import { readFile } from 'node:fs/promises';
import { StorageError } from '../../proto/errors.js';
import { removeStrayTemp, writeFileAtomic } from '../topics/atomic-file.js';
import { parseSecurityDocument, type SecurityDocument } from './security-document.js';

/** Owner read/write only. */
export const SECURITY_FILE_MODE = 0o600;

export class SecurityFile<Doc> implements SecurityDocument<Doc> {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly version: number,
    /** Checks a parsed document's shape; throws (any error) when it is not a valid Doc. */
    private readonly validate: (doc: Record<string, unknown>) => Doc,
  ) {}

  /** The document, or null when the file does not exist. */
  async read(): Promise<Doc | null> {
    await removeStrayTemp(this.path);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StorageError(`cannot read ${this.path}`, { cause: err });
    }
    try {
      return parseSecurityDocument(text, this.version, this.validate);
    } catch (err) {
      throw new StorageError(`${this.path} is unreadable (${(err as Error).message}); fix or remove it`, { cause: err });
    }
  }

  /**
   * Runs `change` when its turn comes: it returns the document to write (or throws a typed
   * error, and nothing is written) and a `commit` that swaps the caller's in-memory state, run
   * only once the file is durable. So memory never shows what the disk does not hold.
   */
  update<T>(change: () => { doc: Doc; commit: () => T }): Promise<T> {
    const run = this.chain.then(async () => {
      const { doc, commit } = change();
      try {
        await writeFileAtomic(this.path, JSON.stringify({ version: this.version, ...doc }, null, 1) + '\n', SECURITY_FILE_MODE);
      } catch (err) {
        throw new StorageError(`cannot write ${this.path}`, { cause: err });
      }
      return commit();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
