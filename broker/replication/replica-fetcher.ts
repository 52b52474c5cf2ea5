/**
 * A follower replica's loop for one partition: truncate to where its log agrees with the
 * leader's (follower-truncation.ts), then fetch from the leader and append its batches as
 * bytes, with their offsets and epochs, until stopped.
 *
 * Each fetch reports the follower's written end (where to read from) and its acknowledged end
 * (durable under flush `always`: the fetcher waits for the fsync of what it appended before
 * the next fetch, so the leader learns it at once instead of after a parked fetch). The
 * follower's high watermark follows the leader's, never past its own end.
 *
 * Failures: a retriable error (leader unreachable, not leader yet, fenced epoch) backs off and
 * retries; the ReplicaManager restarts the fetcher when the partition state changes. A fetch
 * outside the leader's log range (its start moved past the follower's end through retention)
 * empties the follower's log and starts it at the leader's start.
 */
import { OffsetOutOfRangeError, StrataError } from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { UNDEFINED_EPOCH } from '../partition/leader-epoch-cache.js';
import type { Partition } from '../partition/partition.js';
import { REPLICA_FETCH_BACKOFF_MS, REPLICA_FETCH_BACKOFF_MS_MAX, REPLICA_FETCH_BYTES_MAX, REPLICA_FETCH_WAIT_MS_MAX } from './constants.js';
import { truncateToLeader } from './follower-truncation.js';
import type { ReplicaTransport } from './replica-transport.js';

export interface ReplicaFetcherOptions {
  readonly partition: Partition;
  readonly localId: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly transport: ReplicaTransport;
  readonly logger: Logger;
}

export class ReplicaFetcher {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** Records appended since start (tests and metrics). */
  appended = 0;

  constructor(private readonly opts: ReplicaFetcherOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const { partition, transport, leaderId, leaderEpoch, localId, logger } = this.opts;
    const { topic, index } = partition;
    const signal = this.abort.signal;
    let backoff = REPLICA_FETCH_BACKOFF_MS;
    let truncated = false;
    partition.setReplicatedHighWatermark(true);
    while (!this.stopped) {
      try {
        if (!truncated) {
          const t = await truncateToLeader(partition, {
            endOffsetForEpoch: (epoch) => transport.endOffsetForEpoch(leaderId, { topic, partition: index, leaderEpoch, epoch }, signal),
            logRange: async () => {
              const r = await transport.endOffsetForEpoch(leaderId, { topic, partition: index, leaderEpoch, epoch: UNDEFINED_EPOCH }, signal);
              return { start: r.logStartOffset, end: r.logEndOffset };
            },
          });
          if (t.truncated > 0) logger.warn({ leaderId, leaderEpoch, truncated: t.truncated, logEndOffset: t.logEndOffset, rounds: t.rounds }, 'truncated a divergent tail before following the leader');
          truncated = true;
        }
        const durableOnly = partition.log.config.flushPolicy === 'always';
        const res = await transport.fetch(leaderId, {
          topic, partition: index, followerId: localId, leaderEpoch,
          fetchOffset: partition.logEndOffset,
          ackedEndOffset: durableOnly ? partition.log.durableEndOffset : partition.log.writtenEndOffset,
          maxBytes: REPLICA_FETCH_BYTES_MAX, maxWaitMs: REPLICA_FETCH_WAIT_MS_MAX,
        }, signal);
        if (this.stopped) return;
        if (res.records.length > 0) {
          const out = partition.appendAsFollower(Buffer.from(res.records.buffer, res.records.byteOffset, res.records.byteLength));
          await out.written;
          this.appended += out.lastOffset - out.baseOffset + 1;
          if (durableOnly) await partition.log.flush();
        }
        partition.updateHighWatermark(res.highWatermark);
        backoff = REPLICA_FETCH_BACKOFF_MS;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof OffsetOutOfRangeError) {
          const r = await transport.endOffsetForEpoch(leaderId, { topic, partition: index, leaderEpoch, epoch: UNDEFINED_EPOCH }, signal).catch(() => null);
          if (r && partition.logEndOffset < r.logStartOffset) {
            logger.warn({ leaderId, logStartOffset: r.logStartOffset }, 'leader no longer holds the offsets this replica needs; starting over at its log start');
            await partition.truncateFullyAndStartAt(r.logStartOffset);
            continue;
          }
        }
        if (!(err instanceof StrataError && err.retriable)) logger.warn({ err, leaderId, leaderEpoch }, 'replica fetch failed');
        else logger.debug({ err, leaderId, leaderEpoch }, 'replica fetch failed; retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, REPLICA_FETCH_BACKOFF_MS_MAX);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
