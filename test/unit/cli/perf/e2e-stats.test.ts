import { describe, expect, it } from 'vitest';
import { E2eStats } from '../../../../broker/cli/perf/e2e-stats.js';
import { REPORT_INTERVAL_MS } from '../../../../broker/cli/perf/produce-stats.js';

describe('E2eStats', () => {
  it('counts records sent after the warm-up in the steady-state line only, and all records in the total', () => {
    const lines: string[] = [];
    const stats = new E2eStats(0, 1000, (l) => lines.push(l));
    stats.record(500, 100, 510); // warm-up: 10 ms
    stats.record(1000, 100, 1002); // steady: 2 ms
    stats.record(1500, 100, 1504); // steady: 4 ms
    expect(stats.received).toBe(3);
    const [total, steady] = stats.totalLines(3, 2000);
    expect(total).toMatch(/^3 records sent, 3 records received, 1\.50 records\/sec \(0\.00 MB\/sec\), 5\.33 ms avg latency, 10\.00 ms max latency, /);
    expect(steady).toMatch(/^2 steady state records received, 2\.00 records\/sec \(0\.00 MB\/sec\), 3\.00 ms avg latency, 4\.00 ms max latency, /);
    expect(lines).toEqual([]);
  });

  it('prints no steady-state line without a warm-up, and a window line every REPORT_INTERVAL_MS', () => {
    const lines: string[] = [];
    const stats = new E2eStats(0, 0, (l) => lines.push(l));
    stats.record(0, 10, 1);
    stats.record(REPORT_INTERVAL_MS - 3, 10, REPORT_INTERVAL_MS);
    expect(lines).toEqual(['2 records received, 0.40 records/sec (0.00 MB/sec), 2.00 ms avg latency, 3.00 ms max latency.']);
    expect(stats.totalLines(2, REPORT_INTERVAL_MS)).toHaveLength(1);
  });
});
