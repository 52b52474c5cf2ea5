/**
 * Group commit as storage reports it (broker/storage/storage-observer.ts): how long each
 * fdatasync pass took, how many appends it made durable, and how many failed. One observation
 * per pass, however many appends it covers.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { StorageObserver } from '../storage/storage-observer.js';
import { FSYNC_SECONDS_BUCKETS, GROUP_COMMIT_APPENDS_BUCKETS } from './constants.js';

export class StorageMetrics implements StorageObserver {
  private readonly fsyncSeconds: Histogram;
  private readonly groupCommitAppends: Histogram;
  private readonly fsyncFailures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.fsyncSeconds = new Histogram({
      name: 'strata_fsync_duration_seconds',
      help: 'Duration of one group-commit fdatasync pass of a partition log (its _count is the number of passes)',
      buckets: [...FSYNC_SECONDS_BUCKETS], registers,
    });
    this.groupCommitAppends = new Histogram({
      name: 'strata_group_commit_batch_appends', help: 'Appends (produce batches) made durable by one fdatasync pass',
      buckets: [...GROUP_COMMIT_APPENDS_BUCKETS], registers,
    });
    this.fsyncFailures = new Counter({ name: 'strata_fsync_failures_total', help: 'fdatasync passes that failed (the partition becomes unhealthy)', registers });
  }

  flushPass(seconds: number, appends: number, ok: boolean): void {
    this.fsyncSeconds.observe(seconds);
    if (appends > 0) this.groupCommitAppends.observe(appends);
    if (!ok) this.fsyncFailures.inc();
  }
}
