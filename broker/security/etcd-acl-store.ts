/**
 * ACL bindings in etcd for the brokers of a cluster (`<prefix>security/acls`, the JSON of
 * acls.json): the file store's logic on an EtcdSecurityDocument. A binding added or removed
 * through any broker reaches every other broker's authorizer through the watch (its decision
 * cache is dropped on the change); requests are decided from memory, never waiting on etcd. On a
 * cluster's first start the key is created from the first broker's data dir.
 */
import type { EtcdClient } from '../cluster/etcd-client.js';
import type { Logger } from '../logger.js';
import { EtcdSecurityDocument } from './etcd-security-document.js';
import { ACLS_FORMAT_VERSION, FileAclStore, validateAclsDoc, type AclsDoc } from './file-acl-store.js';

export class EtcdAclStore extends FileAclStore {
  private constructor(private readonly etcdDoc: EtcdSecurityDocument<AclsDoc>, initial: AclsDoc) {
    super(etcdDoc, initial.acls);
  }

  static async openEtcd(client: EtcdClient, key: string, seed: FileAclStore, logger: Logger): Promise<EtcdAclStore> {
    const doc = new EtcdSecurityDocument<AclsDoc>(client, key, ACLS_FORMAT_VERSION, validateAclsDoc, logger);
    const store = new EtcdAclStore(doc, await doc.readOrCreate(seed.document()));
    await doc.watch((d) => store.adopt(d));
    return store;
  }

  close(): Promise<void> {
    return this.etcdDoc.close();
  }
}
