import { describe, expect, it } from 'vitest';
import {
  CONSUMER_HEADER, consumerLine, kafkaDate, producerTotalLine, producerWindowLine,
} from '../../../../broker/cli/perf/kafka-format.js';
import { ProduceStats, REPORT_INTERVAL_MS } from '../../../../broker/cli/perf/produce-stats.js';

describe('Kafka perf-tool lines', () => {
  it('prints the producer window line with 2-decimal rates and whole-ms max', () => {
    expect(producerWindowLine({ records: 1000, bytes: 1024 * 1024, elapsedMs: 500, avgLatencyMs: 1.234, maxLatencyMs: 7.6 }))
      .toBe('1000 records sent, 2000.00 records/sec (2.00 MB/sec), 1.23 ms avg latency, 8 ms max latency.');
  });

  it('prints the producer total line with the four percentiles', () => {
    expect(producerTotalLine({
      records: 3, bytes: 300, elapsedMs: 1000, avgLatencyMs: 2, maxLatencyMs: 4, p50Ms: 1.4, p95Ms: 2.5, p99Ms: 3, p999Ms: 4,
    })).toBe('3 records sent, 3.00 records/sec (0.00 MB/sec), 2.00 ms avg latency, 4 ms max latency, '
      + '1 ms 50th, 3 ms 95th, 3 ms 99th, 4 ms 99.9th.');
  });

  it('formats dates as yyyy-MM-dd HH:mm:ss:SSS in local time', () => {
    const at = new Date(2024, 0, 2, 3, 4, 5, 67).getTime();
    expect(kafkaDate(at)).toBe('2024-01-02 03:04:05:067');
  });

  it('computes the consumer line: MB of 1024*1024 bytes, rates over the run and over fetch time alone', () => {
    const start = new Date(2024, 5, 1, 12, 0, 0, 0).getTime();
    const fields = consumerLine({ startMs: start, endMs: start + 2000, bytes: 4 * 1024 * 1024, records: 1000, rebalanceMs: 1000 }).split(', ');
    expect(fields).toEqual([
      '2024-06-01 12:00:00:000', '2024-06-01 12:00:02:000', '4.0000', '2.0000', '1000', '500.0000', '1000', '1000', '4.0000', '1000.0000',
    ]);
    expect(CONSUMER_HEADER.split(', ')).toHaveLength(fields.length);
  });
});

describe('ProduceStats', () => {
  it('prints a window line once an acknowledgement lands REPORT_INTERVAL_MS after the window opened, then the total', () => {
    const lines: string[] = [];
    const stats = new ProduceStats((l) => lines.push(l), 0);
    stats.record(100, 10_000, 2, 1000);
    expect(lines).toEqual([]);
    stats.record(100, 10_000, 6, REPORT_INTERVAL_MS);
    expect(lines).toEqual(['200 records sent, 40.00 records/sec (0.00 MB/sec), 4.00 ms avg latency, 6 ms max latency.']);
    stats.record(200, 20_000, 1, REPORT_INTERVAL_MS + 1000);
    expect(lines).toHaveLength(1);
    expect(stats.totalLine(10_000)).toBe('400 records sent, 40.00 records/sec (0.00 MB/sec), 2.50 ms avg latency, '
      + '6 ms max latency, 1 ms 50th, 6 ms 95th, 6 ms 99th, 6 ms 99.9th.');
  });
});
