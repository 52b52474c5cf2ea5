/**
 * Which local partition serves a client's produce, fetch or offset query. A broker alone leads
 * every partition it has. In a cluster only the leader serves (with a valid lease): a topic the
 * cluster does not know is UnknownTopicError, a partition led elsewhere NotLeaderOrFollowerError
 * (retriable: the client refreshes its metadata and goes to the leader).
 */
import { UnknownTopicError } from '../../proto/errors.js';
import type { Partition } from '../partition/partition.js';
import type { BrokerServices } from './request-context.js';

export function leaderPartition(services: BrokerServices, topic: string, partition: number): Partition {
  const { replicas } = services;
  if (!replicas) return services.topics.partition(topic, partition);
  const info = services.cluster.topic(topic);
  if (!info || !Number.isSafeInteger(partition) || partition < 0 || partition >= info.partitions) {
    throw new UnknownTopicError(`unknown topic or partition ${topic}-${partition}`);
  }
  return replicas.leaderPartition(topic, partition);
}
