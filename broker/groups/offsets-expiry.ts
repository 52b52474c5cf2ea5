/**
 * Expiry of committed offsets (Kafka's offsets.retention.minutes, KIP-211 semantics): the
 * offsets of a group with members never expire; those of a group without members expire once
 * `retentionMs` has passed since the group became empty, or since the offset's last commit,
 * whichever is later. After a restart the broker does not know when a group became empty (group
 * state is not persisted), so the commit time alone counts, as Kafka does for groups stored
 * without a state timestamp. Kafka counts from the emptying alone, so a commit made to an empty
 * group would expire with the rest; Strata keeps such a fresh commit for its full retention.
 *
 * An expired offset is deleted by a tombstone in the offsets log (OffsetStore.delete), which
 * the log cleaner later removes with the values it shadows (after delete.retention.ms).
 *
 * Concurrency: one check at a time on a timer (unref'd); a group with a commit still on its way
 * to disk is skipped until the next check, so a tombstone never lands after a commit it did
 * not see.
 */
import type { Logger } from '../logger.js';
import type { OffsetStore } from './offset-store.js';
import type { TopicPartition } from './assignor.js';

export interface OffsetsExpiryOptions {
  readonly store: OffsetStore;
  /** @default OFFSETS_RETENTION_MS_DEFAULT (7 days) */
  readonly retentionMs: number;
  /** @default OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT (10 min) */
  readonly checkIntervalMs: number;
  /** True while the group has members (any state but empty). */
  hasMembers(group: string): boolean;
  /** When the group last became empty in this process; undefined if unknown. */
  emptiedAtMs(group: string): number | undefined;
  /** Called once a group's offsets are all gone, so the caller can forget its emptying time. */
  forget(group: string): void;
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

export class OffsetsExpiry {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly opts: OffsetsExpiryOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      if (this.running || this.stopped) return;
      this.expire().catch((err: unknown) => this.opts.logger.error({ err }, 'offsets expiry failed'));
    }, this.opts.checkIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a check in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One check: tombstones every expired offset; resolves with how many. */
  expire(): Promise<number> {
    this.running ??= this.expireOnce().finally(() => { this.running = null; });
    return this.running;
  }

  private async expireOnce(): Promise<number> {
    const { store, retentionMs } = this.opts;
    const now = this.now();
    let expired = 0;
    for (const group of store.groups()) {
      if (this.stopped) break;
      if (this.opts.hasMembers(group) || store.hasPendingAppends(group)) continue;
      const emptiedAt = this.opts.emptiedAtMs(group) ?? 0;
      const all = store.groupOffsets(group);
      const due: TopicPartition[] = all
        .filter((o) => now - Math.max(emptiedAt, o.commitTimestamp) >= retentionMs)
        .map((o) => ({ topic: o.topic, partition: o.partition }));
      if (due.length === 0) continue;
      await store.delete(group, due);
      expired += due.length;
      if (!store.hasGroup(group)) this.opts.forget(group);
      this.opts.logger.info({ group, expired: due.length, kept: all.length - due.length }, 'committed offsets expired');
    }
    return expired;
  }
}
