/**
 * Measures each client's usage against its quotas and says how long to throttle it, with
 * Kafka's arithmetic (ClientQuotaManager / QuotaUtils.throttleTime):
 *
 *   record the request's amount in the bucket's SampledRate, then, if rate > limit,
 *   throttleMs = round((rate - limit) / limit × windowSizeMs)
 *
 * i.e. the time for which the bucket would have to be silent for its rate over the measured
 * window to fall back to the limit. The caller delays the response by that long and stops
 * reading from the connection meanwhile (Kafka's throttle_time_ms with a muted channel), so a
 * client that keeps sending converges on its quota; nothing already written is dropped.
 *
 * Usage is recorded after the fact (a request over quota is still served), as in Kafka: a
 * quota shapes a client's rate, it does not refuse work. Throttle times are capped at
 * THROTTLE_MS_MAX.
 *
 * Memory: one SampledRate (QUOTA_WINDOW_SAMPLES numbers × 2) per active bucket and quota kind,
 * at most QUOTA_SENSORS_MAX, least recently used dropped first; a sensor unused for
 * QUOTA_SENSOR_IDLE_MS is dropped too (Kafka expires inactive quota sensors after an hour).
 * Nothing is tracked for clients no quota applies to.
 */
import { resolveQuota, type QuotaKey } from './quota.js';
import type { QuotaStore } from './quota-store.js';
import { SampledRate, type RateWindows } from './sampled-rate.js';

/** Kafka's quota.window.num and quota.window.size.seconds. */
export const QUOTA_WINDOW_SAMPLES = 11;
export const QUOTA_WINDOW_MS = 1_000;
/** Longest single throttle: the span the rate is measured over, past which waiting longer tells nothing. */
export const THROTTLE_MS_MAX = QUOTA_WINDOW_SAMPLES * QUOTA_WINDOW_MS;
export const QUOTA_SENSORS_MAX = 100_000;
export const QUOTA_SENSOR_IDLE_MS = 60 * 60_000;

export const QUOTA_WINDOWS: RateWindows = { samples: QUOTA_WINDOW_SAMPLES, windowMs: QUOTA_WINDOW_MS };

export class QuotaManager {
  private readonly sensors = new Map<string, SampledRate>();
  private readonly windows: RateWindows;

  constructor(private readonly store: QuotaStore, opts: { windows?: RateWindows } = {}) {
    this.windows = opts.windows ?? QUOTA_WINDOWS;
  }

  /** Whether any quota is configured (callers skip all work when not). */
  get active(): boolean {
    return this.store.byEntity.size > 0;
  }

  /**
   * Records `amount` (bytes, or 1 request) for (user, clientId) under `key`; returns how long
   * to throttle the client, 0 when within its quota or when no quota applies.
   */
  record(key: QuotaKey, user: string, clientId: string, amount: number, nowMs: number): number {
    const q = resolveQuota(this.store.byEntity, user, clientId, key);
    if (q === null) return 0;
    const sensor = this.sensor(`${key}\u0000${q.bucket}`, nowMs);
    sensor.record(amount, nowMs);
    const rate = sensor.rate(nowMs);
    if (rate <= q.limit) return 0;
    const throttleMs = Math.round(((rate - q.limit) / q.limit) * sensor.windowSizeMs(nowMs));
    return Math.min(throttleMs, THROTTLE_MS_MAX);
  }

  /** Takes back what record() counted (a fetch answered empty because it was throttled). */
  unrecord(key: QuotaKey, user: string, clientId: string, amount: number, nowMs: number): void {
    const q = resolveQuota(this.store.byEntity, user, clientId, key);
    if (q !== null) this.sensors.get(`${key}\u0000${q.bucket}`)?.unrecord(amount, nowMs);
  }

  /** The measured rate of the bucket (user, clientId) falls in for `key`, per second; for tests and metrics. */
  rate(key: QuotaKey, user: string, clientId: string, nowMs: number): number {
    const q = resolveQuota(this.store.byEntity, user, clientId, key);
    return q === null ? 0 : (this.sensors.get(`${key}\u0000${q.bucket}`)?.rate(nowMs) ?? 0);
  }

  get sensorCount(): number {
    return this.sensors.size;
  }

  private sensor(id: string, nowMs: number): SampledRate {
    let s = this.sensors.get(id);
    if (s) {
      // Re-insert: Map order is then least recently used first.
      this.sensors.delete(id);
      this.sensors.set(id, s);
      return s;
    }
    for (const [oldId, old] of this.sensors) {
      if (this.sensors.size < QUOTA_SENSORS_MAX && nowMs - old.lastRecordMs < QUOTA_SENSOR_IDLE_MS) break;
      this.sensors.delete(oldId);
    }
    s = new SampledRate(this.windows, nowMs);
    this.sensors.set(id, s);
    return s;
  }
}
