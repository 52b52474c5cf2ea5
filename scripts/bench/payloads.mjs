// Record payloads shared by every workload, made before the clock starts.
//
// Random bytes, so no system gains from compressible data; a pool of distinct buffers rather than
// one, so no layer can get away with caching a single value; a pool rather than N buffers, so
// building 1M payloads does not cost the producer 100 MB of heap and GC time inside the timing.

import crypto from 'node:crypto';

/** Distinct payloads cycled through by the producer: 1024 × 100 B = 100 KiB. */
export const PAYLOAD_POOL_SIZE = 1024;

/** @returns {Buffer[]} `PAYLOAD_POOL_SIZE` random buffers of `recordSize` bytes each. */
export function makePayloads(recordSize) {
  const pool = [];
  for (let i = 0; i < PAYLOAD_POOL_SIZE; i++) pool.push(crypto.randomBytes(recordSize));
  return pool;
}

/** Seconds elapsed since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
