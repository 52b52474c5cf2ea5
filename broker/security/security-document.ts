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
