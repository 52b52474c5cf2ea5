/**
 * Where a replica that becomes (or stays) a follower must cut its log before fetching from a
 * new leader: Kafka's OffsetsForLeaderEpoch exchange (KIP-101), looped until the logs agree
 * (KIP-279). Never by high watermark alone: a follower's tail past the high watermark may be
 * exactly the leader's (keeping it costs nothing) or a dead leader's unreplicated writes under
 * an older epoch (keeping it would fork the log).
 *
 * The follower asks the leader about its latest epoch E. The leader answers with the largest
 * epoch L <= E it knows and where L ended in its log (the start of its next epoch, or its log
 * end when L is its current epoch):
 *  - L == E: both wrote in E; the logs agree up to min(leader's end of E, follower's end);
 *  - L <  E: the leader never saw epoch E (the follower wrote in it alone, as a leader that
 *    died before replicating); the follower's entries of epochs > L are divergent, and it asks
 *    again about L (its own end of L is compared the same way);
 *  - no such epoch (L undefined) from a leader with an empty log: nothing of the follower's is
 *    known to the leader; it empties its log and starts at the leader's log start. From a
 *    leader holding records it means the follower asked about an epoch above the leader's
 *    latest, which a leader elected after it cannot be: refused (retried later), never
 *    answered by emptying a log the leader may share.
 * Each round strictly lowers the epoch asked about, and TRUNCATION_ROUNDS_MAX bounds the loop.
 */
import { InvalidRequestError } from '../../proto/errors.js';
import { UNDEFINED_EPOCH, type EpochEndOffset } from '../partition/leader-epoch-cache.js';
import type { Partition } from '../partition/partition.js';

/** Rounds of the OffsetsForLeaderEpoch loop before giving up (each lowers the epoch asked about). */
export const TRUNCATION_ROUNDS_MAX = 64;

/** The leader's answers: its end offset for an epoch, and the range of its log. */
export interface LeaderEpochSource {
  endOffsetForEpoch(epoch: number): Promise<EpochEndOffset>;
  logRange(): Promise<{ readonly start: number; readonly end: number }>;
}

export interface TruncationResult {
  /** The follower's log end after truncation: where it fetches from. */
  readonly logEndOffset: number;
  /** Records removed from the follower's tail. */
  readonly truncated: number;
  readonly rounds: number;
}

export async function truncateToLeader(follower: Partition, leader: LeaderEpochSource): Promise<TruncationResult> {
  const before = follower.logEndOffset;
  const epochs = follower.epochEntries();
  if (epochs.length === 0 || before === follower.logStartOffset) return { logEndOffset: before, truncated: 0, rounds: 0 };
  let asked = epochs.at(-1)!.epoch;
  for (let round = 1; round <= TRUNCATION_ROUNDS_MAX; round++) {
    const answer = await leader.endOffsetForEpoch(asked);
    if (answer.epoch === UNDEFINED_EPOCH) {
      const { start, end } = await leader.logRange();
      if (end > start) throw new InvalidRequestError(`leader knows no epoch at or below ${asked} but holds offsets ${start}..${end - 1}`);
      await follower.truncateFullyAndStartAt(start);
      return { logEndOffset: follower.logEndOffset, truncated: before - follower.logStartOffset, rounds: round };
    }
    if (answer.epoch > asked) throw new InvalidRequestError(`leader answered epoch ${answer.epoch} for a question about epoch ${asked}`);
    // The follower's own end of the leader's epoch: where the two logs can still agree.
    const own = follower.endOffsetForEpoch(answer.epoch);
    if (own.epoch === answer.epoch) {
      const cut = Math.min(answer.endOffset, own.endOffset);
      const end = cut < follower.logEndOffset ? await follower.truncateTo(cut) : follower.logEndOffset;
      return { logEndOffset: end, truncated: before - end, rounds: round };
    }
    if (own.epoch === UNDEFINED_EPOCH) {
      // The follower holds nothing of epoch <= answer.epoch: its whole log is divergent.
      const { start } = await leader.logRange();
      await follower.truncateFullyAndStartAt(start);
      return { logEndOffset: follower.logEndOffset, truncated: before - follower.logStartOffset, rounds: round };
    }
    asked = own.epoch; // strictly below the epoch asked before
  }
  throw new InvalidRequestError(`follower and leader did not agree on an epoch within ${TRUNCATION_ROUNDS_MAX} rounds`);
}
