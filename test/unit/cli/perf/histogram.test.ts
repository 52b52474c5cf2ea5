import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../../broker/cli/perf/histogram.js';

/** The oracle: the exact percentile of a sorted list of microsecond values. */
function exactPercentileUs(sorted: number[], quantile: number): number {
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[rank - 1]!;
}

describe('LatencyHistogram', () => {
  it('is empty at first: count, mean, max and percentiles are 0', () => {
    const h = new LatencyHistogram();
    expect([h.count, h.meanMs(), h.maxMs(), h.percentileMs(0.99)]).toEqual([0, 0, 0, 0]);
  });

  it('gives percentiles within 1% of a sorted-array oracle, never above the maximum', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50_000_000 }), { minLength: 1, maxLength: 400 }),
      fc.constantFrom(0, 0.5, 0.95, 0.99, 0.999, 1), (valuesUs, q) => {
        const h = new LatencyHistogram();
        for (const us of valuesUs) h.record(us / 1000);
        const sorted = [...valuesUs].sort((a, b) => a - b);
        const exact = exactPercentileUs(sorted, q);
        const got = Math.round(h.percentileMs(q) * 1000);
        expect(got).toBeGreaterThanOrEqual(exact);
        expect(got).toBeLessThanOrEqual(Math.max(exact * 1.01, exact + 1));
        expect(got).toBeLessThanOrEqual(sorted[sorted.length - 1]!);
        expect(Math.round(h.maxMs() * 1000)).toBe(sorted[sorted.length - 1]);
      }));
  });

  it('counts a weighted sample as that many samples', () => {
    const weighted = new LatencyHistogram();
    weighted.record(1, 90);
    weighted.record(10, 10);
    expect(weighted.count).toBe(100);
    expect(weighted.meanMs()).toBeCloseTo(1.9, 6);
    expect(weighted.percentileMs(0.9)).toBeGreaterThanOrEqual(1);
    expect(weighted.percentileMs(0.9)).toBeLessThanOrEqual(1.01);
    expect(weighted.percentileMs(0.91)).toBe(10);
  });

  it('merges two histograms into the histogram of both sample sets', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const both = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) {
      const ms = (i * 7919) % 3000 / 10;
      (i % 2 === 0 ? a : b).record(ms);
      both.record(ms);
    }
    a.merge(b);
    for (const q of [0.5, 0.99, 0.999]) expect(a.percentileMs(q)).toBe(both.percentileMs(q));
    expect(a.meanMs()).toBeCloseTo(both.meanMs(), 9);
    expect(a.maxMs()).toBe(both.maxMs());
  });

  it('clamps negative latencies to 0 and huge ones to its largest bucket', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(1e12);
    expect(h.percentileMs(0.5)).toBe(0);
    expect(h.maxMs()).toBeCloseTo(0xffff_ffff / 1000, 3);
  });

  it('rejects a non-finite latency or a negative weight as a programming error', () => {
    const h = new LatencyHistogram();
    expect(() => h.record(Number.NaN)).toThrow();
    expect(() => h.record(1, -1)).toThrow();
  });
});
