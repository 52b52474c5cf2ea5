/**
 * Where a cluster's state lives in etcd, under its prefix (see etcd-endpoints.ts). All keys are
 * built here and nowhere else; values are UTF-8 JSON documents described in the files named.
 *
 *   brokers/<id>                 BrokerInfo (broker-info.ts), attached to the broker's lease:
 *                                present exactly while the broker is alive
 *   controller/<lease hex>       the broker id of a controller candidate, attached to its lease;
 *                                the lowest create_revision leads, and that revision is the
 *                                controller epoch (controller-election.ts)
 *   topics/<name>                TopicRecord (topic-record.ts): partitions, replication factor,
 *                                min ISR, overrides and the replica assignment
 *   partitions/<topic>/<p>       PartitionState (partition-state.ts): leader, leader epoch, ISR
 *   producer-ids                 the cluster-wide producer id counter (producer-id-counter.ts)
 *   producer-epochs/<id>         {"epoch": N} of a producer id whose epoch was raised
 *                                (producer-epochs.ts); absent: epoch 0
 *   security/<name>              the cluster's credentials, acls and quotas, one document each
 *                                (broker/security/etcd-security-document.ts)
 *
 * Topic names cannot contain '/', so `partitions/<topic>/` is a prefix of one topic's
 * partitions only.
 */

export class ClusterKeys {
  constructor(readonly prefix: string) {}

  get brokersPrefix(): string { return `${this.prefix}brokers/`; }
  broker(id: number): string { return `${this.brokersPrefix}${id}`; }

  get controllerPrefix(): string { return `${this.prefix}controller/`; }
  controllerCandidate(leaseId: string): string { return `${this.controllerPrefix}${BigInt(leaseId).toString(16)}`; }

  get topicsPrefix(): string { return `${this.prefix}topics/`; }
  topic(name: string): string { return `${this.topicsPrefix}${name}`; }

  get partitionsPrefix(): string { return `${this.prefix}partitions/`; }
  topicPartitionsPrefix(topic: string): string { return `${this.partitionsPrefix}${topic}/`; }
  partition(topic: string, partition: number): string { return `${this.partitionsPrefix}${topic}/${partition}`; }

  get producerIds(): string { return `${this.prefix}producer-ids`; }
  producerEpoch(producerId: number): string { return `${this.prefix}producer-epochs/${producerId}`; }

  securityDocument(name: 'credentials' | 'acls' | 'quotas'): string { return `${this.prefix}security/${name}`; }

  /** The broker id in a `brokers/<id>` key, or null for any other key. */
  parseBroker(key: string): number | null {
    if (!key.startsWith(this.brokersPrefix)) return null;
    const id = Number(key.slice(this.brokersPrefix.length));
    return Number.isSafeInteger(id) && id >= 0 ? id : null;
  }

  /** The topic of a `topics/<name>` key, or null. */
  parseTopic(key: string): string | null {
    return key.startsWith(this.topicsPrefix) ? key.slice(this.topicsPrefix.length) : null;
  }

  /** { topic, partition } of a `partitions/<topic>/<p>` key, or null. */
  parsePartition(key: string): { topic: string; partition: number } | null {
    if (!key.startsWith(this.partitionsPrefix)) return null;
    const rest = key.slice(this.partitionsPrefix.length);
    const slash = rest.lastIndexOf('/');
    if (slash <= 0) return null;
    const partition = Number(rest.slice(slash + 1));
    if (!Number.isSafeInteger(partition) || partition < 0) return null;
    return { topic: rest.slice(0, slash), partition };
  }
}
