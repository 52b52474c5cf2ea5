/**
 * A latency histogram for the perf tools: weighted samples in microseconds, percentiles within
 * 1% of the true value, constant memory whatever the run length.
 *
 * Layout (log-linear, as HdrHistogram with two significant digits): values 0..255 µs have one
 * bucket each; above that, every power of two [2^k, 2^(k+1)) is cut into SUB_BUCKETS equal
 * buckets, so a bucket is at most 1/128 (0.8%) of its values wide. Values are clamped to
 * VALUE_US_MAX (about 71 minutes), which bounds the array at BUCKETS entries (26 KiB).
 *
 * Why not Kafka's approach (keep up to 500,000 sampled latencies and sort them): the producer
 * tool records one latency per send() call weighted by its record count, and a weight does not
 * fit a sample array; a histogram also keeps every sample instead of one in N.
 *
 * Not thread-safe; one owner.
 */
import assert from 'node:assert/strict';

const SUB_BUCKET_BITS = 7;
/** Buckets per power of two above the linear range. */
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** Values below this get one bucket each (exact). */
const LINEAR_US_MAX = 2 * SUB_BUCKETS;
/** Largest value kept; larger ones are counted here (2^32 - 1 µs ≈ 71.6 minutes). */
export const VALUE_US_MAX = 0xffff_ffff;
/** Index of VALUE_US_MAX's bucket, plus one. */
const BUCKETS = bucketOf(VALUE_US_MAX) + 1;

function bucketOf(valueUs: number): number {
  if (valueUs < LINEAR_US_MAX) return valueUs;
  const msb = 31 - Math.clz32(valueUs);
  const shift = msb - SUB_BUCKET_BITS;
  return (shift + 1) * SUB_BUCKETS + ((valueUs >>> shift) - SUB_BUCKETS);
}

/** Highest value that falls in bucket `index`. */
function bucketHighUs(index: number): number {
  if (index < LINEAR_US_MAX) return index;
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const sub = (index % SUB_BUCKETS) + SUB_BUCKETS;
  return (sub + 1) * 2 ** shift - 1;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sumUs = 0;
  private maxUs = 0;

  /** Counts `weight` samples of `latencyMs` (negative values count as 0). */
  record(latencyMs: number, weight = 1): void {
    assert.ok(weight >= 0 && Number.isFinite(latencyMs), 'a latency sample needs a finite value and a weight >= 0');
    if (weight === 0) return;
    const us = Math.min(VALUE_US_MAX, Math.max(0, Math.round(latencyMs * 1000)));
    this.counts[bucketOf(us)]! += weight;
    this.total += weight;
    this.sumUs += us * weight;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds another histogram's samples to this one. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  get count(): number { return this.total; }

  /** Mean in ms (0 when empty). */
  meanMs(): number {
    return this.total === 0 ? 0 : this.sumUs / this.total / 1000;
  }

  /** Largest sample in ms, exact to the microsecond. */
  maxMs(): number {
    return this.maxUs / 1000;
  }

  /**
   * The smallest value in ms such that at least `quantile` of the samples are at or below it
   * (within a bucket's width; never above the maximum). 0 when empty.
   */
  percentileMs(quantile: number): number {
    assert.ok(quantile >= 0 && quantile <= 1, 'quantile must be in [0, 1]');
    if (this.total === 0) return 0;
    // The epsilon keeps 0.9 * 100 (= 90.00000000000001) from asking for the 91st sample.
    const target = Math.max(1, Math.ceil(quantile * this.total - 1e-9));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= target) return Math.min(bucketHighUs(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }
}
