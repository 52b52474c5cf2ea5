/**
 * Client quotas in `<dataDir>/quotas.json` (mode 0600, rewritten atomically through SecurityFile):
 *
 *   { "version": 1, "quotas": [ { "entity": { "user": "alice" }, "values": { "producerByteRate": 1048576 } } ] }
 */
import { join } from 'node:path';
import { LimitExceededError } from '../../proto/errors.js';
import { QUOTA_KEYS, checkQuotaEntity, checkQuotaValues, entityKey, type QuotaEntity, type QuotaEntry, type QuotaKey, type QuotaValues } from './quota.js';
import { QUOTA_ENTITIES_MAX, type QuotaStore } from './quota-store.js';
import type { SecurityDocument } from './security-document.js';
import { SecurityFile } from './security-file.js';

export const QUOTAS_FILE = 'quotas.json';
export const QUOTAS_FORMAT_VERSION = 1;
const FORMAT_VERSION = QUOTAS_FORMAT_VERSION;

export interface QuotasDoc {
  quotas: QuotaEntry[];
}

export class FileQuotaStore implements QuotaStore {
  private entries = new Map<string, QuotaEntry>();
  private index = new Map<string, QuotaValues>();
  private readonly listeners: Array<() => void> = [];

  /** `file`: the data dir's file here; an etcd key for EtcdQuotaStore. */
  protected constructor(private readonly file: SecurityDocument<QuotasDoc>, initial: readonly QuotaEntry[]) {
    this.swap(new Map(initial.map((e) => [entityKey(e.entity), e])));
  }

  static async open(dataDir: string): Promise<FileQuotaStore> {
    const file = new SecurityFile<QuotasDoc>(join(dataDir, QUOTAS_FILE), FORMAT_VERSION, validateQuotasDoc);
    const doc = await file.read();
    return new FileQuotaStore(file, doc?.quotas ?? []);
  }

  /** The whole content as its document (seeds a cluster's etcd from a data dir). */
  document(): QuotasDoc {
    return { quotas: this.list() };
  }

  /** Takes a version written elsewhere (another broker, through etcd) as the current content; listeners hear of it. */
  protected adopt(doc: QuotasDoc | null): void {
    this.swap(new Map((doc?.quotas ?? []).map((e) => [entityKey(e.entity), e])));
  }

  get byEntity(): ReadonlyMap<string, QuotaValues> {
    return this.index;
  }

  list(): QuotaEntry[] {
    return [...this.entries.values()];
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  alter(entity: QuotaEntity, set: QuotaValues, remove: readonly string[]): Promise<void> {
    const e = checkQuotaEntity(entity);
    const values = checkQuotaValues(set);
    for (const key of remove) checkQuotaValues({ [key]: undefined });
    return this.file.update(() => {
      const key = entityKey(e);
      const merged: Partial<Record<QuotaKey, number>> = { ...this.entries.get(key)?.values, ...values };
      for (const r of remove) delete merged[r as QuotaKey];
      const next = new Map(this.entries);
      if (QUOTA_KEYS.some((k) => merged[k] !== undefined)) next.set(key, { entity: e, values: merged });
      else next.delete(key);
      if (next.size > QUOTA_ENTITIES_MAX) throw new LimitExceededError(`more than ${QUOTA_ENTITIES_MAX} quota entities`);
      return { doc: { quotas: [...next.values()] }, commit: () => this.swap(next) };
    });
  }

  private swap(next: Map<string, QuotaEntry>): void {
    this.entries = next;
    this.index = new Map([...next].map(([k, e]) => [k, e.values]));
    for (const listener of this.listeners) listener();
  }
}

export function validateQuotasDoc(doc: Record<string, unknown>): QuotasDoc {
  if (!Array.isArray(doc.quotas)) throw new Error('quotas is not an array');
  return { quotas: doc.quotas.map((q: { entity?: Record<string, unknown>; values?: Record<string, unknown> }, i) => {
    try {
      return { entity: checkQuotaEntity(q.entity ?? {}), values: checkQuotaValues(q.values ?? {}) };
    } catch (err) {
      throw new Error(`quota #${i}: ${(err as Error).message}`);
    }
  }) };
}
