/**
 * How much the broker throttled one Strata client for its quotas, over all the client's
 * connections: each throttled answer carries the time the broker held it (the WebSocket
 * Response's throttle_time_ms, Kafka's field of the same name). Read with `Strata.throttleStats()`.
 */
export interface ThrottleStats {
  /** Answers the broker held for a quota. */
  readonly throttledResponses: number;
  /** The throttle times of those answers, summed (ms). */
  readonly throttleTimeMs: number;
  /** The most recent throttle time (ms); 0 before any. */
  readonly lastThrottleTimeMs: number;
}

/** The counters behind ThrottleStats, shared by a client's connections. */
export class ThrottleCounter {
  private responses = 0;
  private totalMs = 0;
  private lastMs = 0;

  record(throttleTimeMs: number): void {
    this.responses++;
    this.totalMs += throttleTimeMs;
    this.lastMs = throttleTimeMs;
  }

  snapshot(): ThrottleStats {
    return { throttledResponses: this.responses, throttleTimeMs: this.totalMs, lastThrottleTimeMs: this.lastMs };
  }
}
