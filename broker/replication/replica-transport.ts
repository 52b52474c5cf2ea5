/**
 * What replicas ask each other, as plain commands and results (no wire format): a follower's
 * fetch of the leader's log, and its OffsetsForLeaderEpoch question. The broker-to-broker
 * protocol carries these between processes; tests may connect two ReplicaManagers directly.
 *
 * Both carry the follower's idea of the current leader epoch (KIP-320): a leader at another
 * epoch refuses with FencedLeaderEpochError (the follower is behind: it must learn the new
 * state) or UnknownLeaderEpochError (the leader is behind), so a deposed leader can never
 * count a fetch toward its high watermark.
 */
import type { EpochEndOffset } from '../partition/leader-epoch-cache.js';

export interface ReplicaFetchCommand {
  readonly topic: string;
  readonly partition: number;
  readonly followerId: number;
  readonly leaderEpoch: number;
  /** The follower's written log end: where to read from. */
  readonly fetchOffset: number;
  /** What the follower holds durably (flush always) or written (otherwise): counts toward the HW. */
  readonly ackedEndOffset: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
}

export interface ReplicaFetchResult {
  /** Whole batches as they lie in the leader's log (may be empty after a long poll). */
  readonly records: Uint8Array;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface EpochEndOffsetCommand {
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  /** The epoch whose end the follower asks about. */
  readonly epoch: number;
}

export interface EpochEndOffsetResult extends EpochEndOffset {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

/** How a follower reaches broker `leaderId`. Rejections are StrataErrors (retriable or not). */
export interface ReplicaTransport {
  fetch(leaderId: number, cmd: ReplicaFetchCommand, signal: AbortSignal): Promise<ReplicaFetchResult>;
  endOffsetForEpoch(leaderId: number, cmd: EpochEndOffsetCommand, signal: AbortSignal): Promise<EpochEndOffsetResult>;
}
