/**
 * What storage reports to whoever watches it (the broker's metrics, broker/metrics/), without
 * knowing who that is: one call per fdatasync pass of a log's group commit, never per append.
 * Calls run synchronously on the flush path: implementations must be cheap and must not throw.
 */
export interface StorageObserver {
  /**
   * A group-commit pass synced at least one file. `seconds`: from taking the dirty segments to
   * the end of their fdatasync calls; `appends`: appends written since the previous pass, which
   * this one made durable (the group-commit batch); `ok`: false when an fdatasync failed.
   */
  flushPass(seconds: number, appends: number, ok: boolean): void;
}
