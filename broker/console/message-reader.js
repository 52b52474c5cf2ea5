/**
 * How the message browser reads: one page of records from a partition, starting at an offset,
 * never the whole partition. A consumer is assigned at the start offset and read until the page
 * is full, the log end (as the fetch's high watermark says) is reached, or SCAN_RECORDS_MAX
 * records were looked at for a filter; then it is closed. Fetches ask for FETCH_BYTES_MAX at
 * most, so a page of small records costs one small fetch.
 */
import { call } from './broker-client.js';
import { matches } from './record-filter.js';

export const PAGE_RECORDS_DEFAULT = 50;
/** Records a filtered page may look at before it stops and says how far it got. */
export const SCAN_RECORDS_MAX = 5000;
export const FETCH_BYTES_MAX = 256 * 1024;

/** Resolves a start choice to an offset: { kind: 'earliest' | 'latest' | 'offset' | 'timestamp', value }. */
export async function resolveStart(topic, partition, start) {
  const admin = (c) => c.admin();
  if (start.kind === 'earliest') return (await call('Looking up the log start', (c) => admin(c).listOffsets(topic, partition, 'earliest'))).offset;
  if (start.kind === 'latest') return (await call('Looking up the log end', (c) => admin(c).listOffsets(topic, partition, 'latest'))).offset;
  if (start.kind === 'timestamp') {
    const ms = Date.parse(start.value);
    if (!Number.isFinite(ms)) throw Object.assign(new Error(`not a date/time: ${start.value}`), { consoleMessage: `Not a date/time: ${start.value}` });
    const r = await call('Looking up an offset by time', (c) => admin(c).listOffsets(topic, partition, { timestamp: ms }));
    // -1: no record at or after that time, so the page starts at the end.
    return r.offset >= 0 ? r.offset : (await call('Looking up the log end', (c) => admin(c).listOffsets(topic, partition, 'latest'))).offset;
  }
  const n = Number(start.value);
  if (!Number.isSafeInteger(n) || n < 0) throw Object.assign(new Error('bad offset'), { consoleMessage: `Not an offset: ${start.value}` });
  return n;
}

/**
 * Reads one page from `from`: { records, from, next, logStart, logEnd, scanned, truncatedScan }.
 * `from` is clamped into [logStart, logEnd].
 */
export async function readPage({ topic, partition, from, limit = PAGE_RECORDS_DEFAULT, filter = {} }) {
  const [logStart, logEnd] = await Promise.all([
    call('Looking up the log start', (c) => c.admin().listOffsets(topic, partition, 'earliest')),
    call('Looking up the log end', (c) => c.admin().listOffsets(topic, partition, 'latest')),
  ]).then(([a, b]) => [a.offset, b.offset]);
  const start = Math.min(Math.max(from, logStart), logEnd);
  const records = [];
  let scanned = 0;
  let next = start;
  if (start < logEnd) {
    await call(`Reading ${topic}-${partition} from ${start}`, async (c) => {
      const consumer = c.consumer({ maxWaitMs: 100, maxBytes: FETCH_BYTES_MAX, partitionMaxBytes: FETCH_BYTES_MAX });
      try {
        await consumer.assign({ topic, partition, offset: start });
        outer: for await (const batch of consumer.batches()) {
          for (const r of batch.records) {
            scanned++;
            next = r.offset + 1;
            if (matches(r, filter)) records.push(r);
            if (records.length >= limit || scanned >= SCAN_RECORDS_MAX || next >= logEnd) break outer;
          }
          if (next >= batch.highWatermark) break;
        }
      } finally {
        await consumer.close();
      }
    });
  }
  return { records, from: start, next, logStart, logEnd, scanned, truncatedScan: scanned >= SCAN_RECORDS_MAX && records.length < limit };
}
