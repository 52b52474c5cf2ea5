// Strata side of the comparison, through the public SDK (dist/client/index.js). Interface shared
// with the other workloads:
//   produce({ url, topic, records, recordSize }) → { seconds, records, bytes }
//   consume({ url, topic, records, recordSize }) → { seconds, records, bytes }
//
// Produce: one producer (one WebSocket), acks 'all', the SDK's defaults otherwise (idempotent,
// lingerMs 5, 1 MiB batches, 5 batches in flight). Records are handed to send() in arrays of
// `STRATA_SEND_RECORDS` — the counterpart of Redis's 1,000-command pipelines — with up to
// `STRATA_SENDS_OUTSTANDING_MAX` sends awaiting their acks. Every record's offset comes back;
// the last one is checked. The durability level is the broker's `--flush` policy, which a topic
// created without a flushPolicy inherits.
// Consume: one consumer, assigned partition 0 from offset 0, read a fetched chunk at a time with
// `consumer.batches()` (SDK defaults: 16 MiB per fetch, 4 MiB per partition, CRCs checked).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makePayloads, secondsSince } from './payloads.mjs';

const SDK_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'client', 'index.js');

/** Records per send() call, as Redis gets 1,000 XADDs per pipeline. */
export const STRATA_SEND_RECORDS = 1_000;
/**
 * send() calls awaiting acks. 32 × 1,000 × 100 B ≈ 3.2 MB in flight: enough to fill several
 * 1 MiB batches while earlier ones are being acked, well under the 32 MiB producer buffer.
 */
export const STRATA_SENDS_OUTSTANDING_MAX = 32;

/** Thrown when the Strata SDK is not built, or lacks what this benchmark calls. */
export class StrataNotWiredError extends Error {
  constructor(detail) {
    super(`Strata workload not wired: ${detail}`);
    this.name = 'StrataNotWiredError';
  }
}

async function loadSdk() {
  if (!fs.existsSync(SDK_PATH)) throw new StrataNotWiredError(`${SDK_PATH} does not exist (run npm run build)`);
  const sdk = await import(pathToFileURL(SDK_PATH).href);
  if (typeof sdk.Strata !== 'function') throw new StrataNotWiredError('dist/client/index.js exports no Strata class');
  return sdk;
}

/**
 * @param {{ url: string, topic: string, records: number, recordSize: number }} o
 * @returns {Promise<{ seconds: number, records: number, bytes: number }>}
 */
export async function produce({ url, topic, records, recordSize }) {
  const { Strata } = await loadSdk();
  const client = new Strata({ brokers: url, clientId: 'bench-compare' });
  try {
    await client.admin().createTopic({ name: topic, partitions: 1 });
    const producer = client.producer({ acks: 'all' });
    await producer.connect();
    const payloads = makePayloads(recordSize);
    const inFlight = new Set();
    let lastOffset = -1;
    let sent = 0;
    const start = process.hrtime.bigint();
    while (sent < records) {
      const n = Math.min(STRATA_SEND_RECORDS, records - sent);
      const messages = new Array(n);
      for (let i = 0; i < n; i++) messages[i] = { value: payloads[(sent + i) % payloads.length], partition: 0 };
      sent += n;
      const p = producer.send({ topic, messages }).then((metas) => {
        const last = metas[metas.length - 1].offset;
        if (last > lastOffset) lastOffset = last;
      });
      inFlight.add(p);
      p.finally(() => inFlight.delete(p)).catch(() => {});
      if (inFlight.size >= STRATA_SENDS_OUTSTANDING_MAX) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const seconds = secondsSince(start);
    if (lastOffset !== records - 1) throw new Error(`last acked offset is ${lastOffset}, expected ${records - 1}`);
    return { seconds, records, bytes: records * recordSize };
  } finally {
    await client.close();
  }
}

/**
 * @param {{ url: string, topic: string, records: number, recordSize: number }} o
 * @returns {Promise<{ seconds: number, records: number, bytes: number }>}
 */
export async function consume({ url, topic, records }) {
  const { Strata } = await loadSdk();
  const client = new Strata({ brokers: url, clientId: 'bench-compare' });
  try {
    const consumer = client.consumer();
    let count = 0;
    let bytes = 0;
    let expected = 0;
    const start = process.hrtime.bigint();
    await consumer.assign({ topic, partition: 0, offset: 0 });
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) {
        if (r.offset !== expected) throw new Error(`read offset ${r.offset}, expected ${expected}`);
        expected++;
        bytes += r.value.length;
      }
      count += batch.records.length;
      if (count >= records) break;
    }
    const seconds = secondsSince(start);
    return { seconds, records: count, bytes };
  } finally {
    await client.close();
  }
}
