/**
 * The leader-epoch check of a client's read (Kafka's KIP-320): a consumer sends the epoch it
 * learned from Metadata with each fetch. Older than this broker's: the consumer talks to a
 * leader it should have stopped using (or its metadata is stale): FencedLeaderEpochError. Newer:
 * this broker has not caught up with the election yet: UnknownLeaderEpochError. Both are
 * retriable; the client refreshes its metadata and asks again.
 */
import { FencedLeaderEpochError, UnknownLeaderEpochError, type StrataError } from '../../proto/errors.js';

/** The error to answer a partition read with, or null when the epoch matches or was not sent. */
export function leaderEpochRefusal(topic: string, partition: number, brokerEpoch: number, clientEpoch: number | null | undefined): StrataError | null {
  if (clientEpoch === null || clientEpoch === undefined || clientEpoch < 0) return null;
  if (clientEpoch < brokerEpoch) {
    return new FencedLeaderEpochError(`${topic}-${partition}: leader epoch ${clientEpoch} is older than the broker's ${brokerEpoch}`);
  }
  if (clientEpoch > brokerEpoch) {
    return new UnknownLeaderEpochError(`${topic}-${partition}: leader epoch ${clientEpoch} is newer than the broker's ${brokerEpoch}`);
  }
  return null;
}
