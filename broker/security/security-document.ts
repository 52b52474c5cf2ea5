/**
 * Where one security document (the credentials, the ACLs or the quotas) is kept: the data
 * directory's file on a broker alone (security-file.ts), one etcd key in a cluster
 * (etcd-security-document.ts). The stores (file-*-store.ts, etcd-*-store.ts) keep the document's
 * content in memory for the request path and change it only through update().
 */
export interface SecurityDocument<Doc> {
  /** Where it lives, for messages: a file path or an etcd key. */
  readonly path: string;
  /** The document, or null when there is none yet. */
  read(): Promise<Doc | null>;
  /**
   * Runs `change` when its turn comes: it returns the document to write (or throws a typed error,
   * and nothing is written) and a `commit` that swaps the caller's in-memory state, run only once
   * the document is durable. So memory never shows what the store does not hold.
   */
  update<T>(change: () => { doc: Doc; commit: () => T }): Promise<T>;
}

/**
 * Parses a stored document, `{ "version": N, ... }`, the same way wherever it is kept; throws a
 * plain Error saying what is wrong, for the caller to wrap with where the document lives.
 */
export function parseSecurityDocument<Doc>(
  text: string, version: number, validate: (doc: Record<string, unknown>) => Doc,
): Doc {
  const doc = JSON.parse(text) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  const found = (doc as { version?: unknown }).version;
  if (found !== version) throw new Error(`version ${String(found)}, expected ${version}`);
  return validate(doc as Record<string, unknown>);
}
