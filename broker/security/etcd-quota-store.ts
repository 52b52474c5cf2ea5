/**
 * Client quotas in etcd for the brokers of a cluster (`<prefix>security/quotas`, the JSON of
 * quotas.json): the file store's logic on an EtcdSecurityDocument. A quota set through any
 * broker applies on every other through the watch. Usage is still measured per broker (each
 * broker throttles what it serves, as in Kafka). On a cluster's first start the key is created
 * from the first broker's data dir.
 */
import type { EtcdClient } from '../cluster/etcd-client.js';
import type { Logger } from '../logger.js';
import { EtcdSecurityDocument } from './etcd-security-document.js';
import { FileQuotaStore, QUOTAS_FORMAT_VERSION, validateQuotasDoc, type QuotasDoc } from './file-quota-store.js';

export class EtcdQuotaStore extends FileQuotaStore {
  private constructor(private readonly etcdDoc: EtcdSecurityDocument<QuotasDoc>, initial: QuotasDoc) {
    super(etcdDoc, initial.quotas);
  }

  static async openEtcd(client: EtcdClient, key: string, seed: FileQuotaStore, logger: Logger): Promise<EtcdQuotaStore> {
    const doc = new EtcdSecurityDocument<QuotasDoc>(client, key, QUOTAS_FORMAT_VERSION, validateQuotasDoc, logger);
    const store = new EtcdQuotaStore(doc, await doc.readOrCreate(seed.document()));
    await doc.watch((d) => store.adopt(d));
    return store;
  }

  close(): Promise<void> {
    return this.etcdDoc.close();
  }
}
