import { describe, expect, it } from 'vitest';
import { E2eStats } from '../../../../broker/cli/perf/e2e-stats.js';

describe('E2eStats runs', () => {
  it('counts a run of records with one send time exactly as the same records one by one', () => {
    const one: string[] = [];
    const each = new E2eStats(0, 1000, (l) => one.push(l));
    const run = new E2eStats(0, 1000, (l) => one.push(l));
    for (let i = 0; i < 7; i++) each.record(500, 100, 503);
    for (let i = 0; i < 5; i++) each.record(1200, 100, 1209);
    run.record(500, 700, 503, 7);
    run.record(1200, 500, 1209, 5);
    expect(run.received).toBe(12);
    expect(run.totalLines(12, 2000)).toEqual(each.totalLines(12, 2000));
    expect(run.totalLines(12, 2000)[1]).toMatch(/^5 steady state records received, .* 9\.00 ms avg latency/);
  });
});
