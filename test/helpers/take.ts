/**
 * Reading a known number of records from an SDK consumer in a test, failing on a timeout rather
 * than hanging: the consumer is closed at the deadline, which ends its iterator, and the caller
 * compares what came back against what it expected.
 */
import type { Consumer, ConsumerRecord } from '../../client/index.js';

/** Long enough for a loaded 2-core box; a test that gets here has already failed. */
export const TAKE_TIMEOUT_MS_DEFAULT = 20_000;

/** Reads `count` records from `consumer` (fewer if `timeoutMs` passes first; then the consumer is closed). */
export async function take<T>(consumer: Consumer<T>, count: number, timeoutMs = TAKE_TIMEOUT_MS_DEFAULT): Promise<ConsumerRecord<T>[]> {
  const out: ConsumerRecord<T>[] = [];
  if (count === 0) return out;
  const timer = setTimeout(() => { void consumer.close(); }, timeoutMs);
  try {
    for await (const r of consumer) {
      out.push(r);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}
