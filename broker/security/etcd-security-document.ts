/**
 * A security document (security-document.ts) as one etcd key, `<prefix>security/<name>`, for the
 * brokers of a cluster: the same JSON as the file of a broker alone (`{ "version": N, ... }`).
 *
 * Atomic: every change is a compare-and-swap transaction on the key's mod revision (Create == 0
 * while it does not exist), so two brokers changing users, ACLs or quotas at once never lose
 * either change. A swap that loses the race reloads the key, hands it to the owner (onChange),
 * and runs the change again on the new content, up to CAS_ATTEMPTS_MAX times.
 *
 * Watched: watch() keeps a watch on the key from the revision read, and hands every newer
 * version to the owner, so a change made through one broker applies on every other within the
 * watch's delivery time (milliseconds on a healthy etcd). A version that does not parse is
 * logged and skipped: the owner keeps what it had, it never serves half a document. A watch that
 * fails (compaction, etcd restart past the revision) is replaced by a fresh read and watch.
 *
 * Changes are serialized per document on this broker (one chain), as SecurityFile does.
 */
import { RequestTimedOutError, StorageError } from '../../proto/errors.js';
import { CAS_ATTEMPTS_MAX } from '../cluster/constants.js';
import type { EtcdClient } from '../cluster/etcd-client.js';
import type { Logger } from '../logger.js';
import { parseSecurityDocument, type SecurityDocument } from './security-document.js';

/** Pause before a failed watch is re-established. */
export const SECURITY_WATCH_RETRY_MS = 500;

type Watcher = Awaited<ReturnType<ReturnType<EtcdClient['watch']>['create']>>;

export class EtcdSecurityDocument<Doc> implements SecurityDocument<Doc> {
  private chain: Promise<unknown> = Promise.resolve();
  /** mod_revision of the version this broker holds; 0n: the key does not exist. */
  private revision = 0n;
  private watcher: Watcher | null = null;
  private listener: ((doc: Doc | null) => void) | null = null;
  private closed = false;

  constructor(
    private readonly client: EtcdClient,
    readonly path: string,
    private readonly version: number,
    /** Checks a parsed document's shape; throws (any error) when it is not a valid Doc. */
    private readonly validate: (doc: Record<string, unknown>) => Doc,
    private readonly logger: Logger,
  ) {}

  async read(): Promise<Doc | null> {
    const res = await this.client.get(this.path).exec();
    const kv = res.kvs[0];
    this.revision = kv ? BigInt(kv.mod_revision) : 0n;
    return kv ? this.parse(kv.value.toString('utf8')) : null;
  }

  /**
   * The document, writing `seed` first when the key does not exist yet (a cluster's first start:
   * what the first broker had in its data dir). Every broker then reads the same document.
   */
  async readOrCreate(seed: Doc): Promise<Doc> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
      const current = await this.read();
      if (current !== null) return current;
      const res = await this.client.if(this.path, 'Create', '==', 0).then(this.client.put(this.path).value(this.serialize(seed))).commit();
      if (res.succeeded) {
        this.revision = BigInt(res.header.revision);
        return seed;
      }
    }
    throw new RequestTimedOutError(`${this.path}: lost ${CAS_ATTEMPTS_MAX} creations in a row`);
  }

  /** From now on every newer version of the key (another broker's change) goes to `listener`. */
  async watch(listener: (doc: Doc | null) => void): Promise<void> {
    this.listener = listener;
    await this.startWatch();
  }

  update<T>(change: () => { doc: Doc; commit: () => T }): Promise<T> {
    const run = this.chain.then(async () => {
      for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
        const expected = this.revision;
        const { doc, commit } = change();
        const guard = expected === 0n ? this.client.if(this.path, 'Create', '==', 0) : this.client.if(this.path, 'Mod', '==', expected.toString());
        let res;
        try {
          res = await guard.then(this.client.put(this.path).value(this.serialize(doc))).commit();
        } catch (err) {
          throw new StorageError(`cannot write ${this.path} in etcd`, { cause: err });
        }
        if (res.succeeded) {
          const written = BigInt(res.header.revision);
          if (written > this.revision) this.revision = written;
          return commit();
        }
        // Another broker changed it first: take its version, then redo the change on it.
        const current = await this.read();
        this.listener?.(current);
      }
      throw new RequestTimedOutError(`${this.path}: lost ${CAS_ATTEMPTS_MAX} compare-and-swaps in a row`);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.watcher;
    this.watcher = null;
    await w?.cancel().catch(() => undefined);
  }

  private async startWatch(): Promise<void> {
    const watcher = await this.client.watch().key(this.path).startRevision((this.revision + 1n).toString()).create();
    if (this.closed) {
      await watcher.cancel().catch(() => undefined);
      return;
    }
    this.watcher = watcher;
    watcher.on('put', (kv) => this.seen(BigInt(kv.mod_revision), kv.value.toString('utf8')));
    watcher.on('delete', (kv) => this.seen(BigInt(kv.mod_revision), null));
    watcher.on('error', (err) => {
      this.logger.warn({ err, key: this.path }, 'security watch failed; reloading');
      if (this.watcher === watcher) this.watcher = null;
      void watcher.cancel().catch(() => undefined);
      void this.reloadUntilDone();
    });
  }

  private seen(revision: bigint, text: string | null): void {
    // Our own writes, and anything older than what we hold, are already applied.
    if (revision <= this.revision) return;
    let doc: Doc | null = null;
    try {
      doc = text === null ? null : this.parse(text);
    } catch (err) {
      this.logger.error({ err, key: this.path }, 'ignoring an unreadable security document in etcd');
      return;
    }
    this.revision = revision;
    try {
      this.listener?.(doc);
    } catch (err) {
      this.logger.error({ err, key: this.path }, 'security document listener threw');
    }
  }

  private async reloadUntilDone(): Promise<void> {
    while (!this.closed) {
      try {
        const doc = await this.read();
        this.listener?.(doc);
        await this.startWatch();
        return;
      } catch (err) {
        this.logger.warn({ err, key: this.path }, 'security reload failed; retrying');
        await new Promise((r) => setTimeout(r, SECURITY_WATCH_RETRY_MS));
      }
    }
  }

  private serialize(doc: Doc): string {
    return JSON.stringify({ version: this.version, ...doc });
  }

  private parse(text: string): Doc {
    try {
      return parseSecurityDocument(text, this.version, this.validate);
    } catch (err) {
      throw new StorageError(`${this.path} in etcd is unreadable (${(err as Error).message})`, { cause: err });
    }
  }
}
