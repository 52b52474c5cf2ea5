/**
 * The per-partition and per-group gauges, written as Prometheus text in slices.
 *
 * prom-client collects every metric synchronously within one scrape: with its label hashing and
 * formatting (~5 µs a series), a broker with 10,000 partitions held the event loop ~300 ms of
 * CPU per scrape (measured), stalling every request meanwhile. These series are the ones that
 * grow with the broker, so they are written here instead: one walk over the partitions (and one
 * over the committed offsets) builds all their lines, and the walk yields to the event loop
 * every SCRAPE_SERIES_PER_SLICE items, so no request waits behind more than one slice.
 *
 * Label values: topic names are [a-zA-Z0-9._-] (topic-name.ts), so only group names, which are
 * free text, are escaped (backslash, double quote, newline, as the text format requires).
 */
import type { GroupCoordinator } from '../groups/group-coordinator.js';
import type { TopicManager } from '../topics/topic-manager.js';

/**
 * Partitions (or committed offsets) written between two yields to the event loop. At ~1-2 µs per
 * line and 5 lines per partition, 500 keep a slice near 5 ms of CPU.
 */
export const SCRAPE_SERIES_PER_SLICE = 500;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly lines: string[];
}

const family = (name: string, help: string): Family => ({ name, help, lines: [] });

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function partitionMetricsText(topics: TopicManager | null, groups: GroupCoordinator | null): Promise<string> {
  const end = family('strata_partition_log_end_offset', 'Next offset the partition will assign');
  const start = family('strata_partition_log_start_offset', 'First offset the partition still holds');
  const hw = family('strata_partition_high_watermark', 'Offset below which records are committed and readable');
  const size = family('strata_partition_size_bytes', 'Bytes of the partition\'s segment files');
  const segments = family('strata_partition_segments', 'Segment files of the partition');
  const committed = family('strata_consumer_group_committed_offset', 'A group\'s committed offset per partition');
  const lag = family('strata_consumer_group_lag', 'Records between a group\'s committed offset and the partition\'s high watermark');

  const partitions = topics?.allPartitions() ?? [];
  for (let i = 0; i < partitions.length; i++) {
    if (i > 0 && i % SCRAPE_SERIES_PER_SLICE === 0) await yieldToEventLoop();
    const p = partitions[i]!;
    if (p.log.isClosed) continue; // deleted since the walk began
    const labels = `{topic="${p.topic}",partition="${p.index}"} `;
    end.lines.push(labels + p.logEndOffset);
    start.lines.push(labels + p.logStartOffset);
    hw.lines.push(labels + p.highWatermark);
    size.lines.push(labels + p.sizeBytes);
    segments.lines.push(labels + p.segmentCount);
  }

  if (groups && topics) {
    let n = 0;
    for (const group of groups.offsets.groups()) {
      const g = escapeLabelValue(group);
      for (const o of groups.offsets.groupOffsets(group)) {
        if (++n % SCRAPE_SERIES_PER_SLICE === 0) await yieldToEventLoop();
        const labels = `{group="${g}",topic="${o.topic}",partition="${o.partition}"} `;
        committed.lines.push(labels + o.offset);
        const p = topics.getPartition(o.topic, o.partition);
        if (p) lag.lines.push(labels + Math.max(0, p.highWatermark - o.offset));
      }
    }
  }

  const parts: string[] = [];
  for (const f of [end, start, hw, size, segments, committed, lag]) {
    await yieldToEventLoop();
    parts.push(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`, linesOf(f.name, f.lines));
  }
  return parts.join('');
}

/** `name<line>\n` for every line, as one flat string (joined once, not concatenated line by line). */
export function linesOf(name: string, lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${name}${lines.join(`\n${name}`)}\n`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
