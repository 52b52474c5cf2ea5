/**
 * SCRAM credentials in etcd for the brokers of a cluster (`<prefix>security/credentials`, the
 * JSON of credentials.json, fake-salt secret included so an unknown user's stand-in salt is the
 * same on every broker): the file store's logic on an EtcdSecurityDocument. A user created or
 * deleted through any broker is applied on the others by the watch; logins read the snapshot in
 * memory, so they never wait on etcd. On a cluster's first start the key is created from the
 * first broker's data dir (a user bootstrapped with `strata user create --data-dir`).
 */
import type { EtcdClient } from '../cluster/etcd-client.js';
import type { Logger } from '../logger.js';
import { EtcdSecurityDocument } from './etcd-security-document.js';
import { CREDENTIALS_FORMAT_VERSION, FileCredentialStore, validateCredentialsDoc, type CredentialsDoc } from './file-credential-store.js';

export class EtcdCredentialStore extends FileCredentialStore {
  private constructor(private readonly etcdDoc: EtcdSecurityDocument<CredentialsDoc>, initial: CredentialsDoc) {
    super(etcdDoc, initial);
  }

  static async openEtcd(client: EtcdClient, key: string, seed: FileCredentialStore, logger: Logger): Promise<EtcdCredentialStore> {
    const doc = new EtcdSecurityDocument<CredentialsDoc>(client, key, CREDENTIALS_FORMAT_VERSION, validateCredentialsDoc, logger);
    const store = new EtcdCredentialStore(doc, await doc.readOrCreate(seed.document()));
    await doc.watch((d) => store.adopt(d));
    return store;
  }

  close(): Promise<void> {
    return this.etcdDoc.close();
  }
}
