// Redis Streams side of the comparison: one stream key, one connection.
//
// Produce: XADD key * d <payload>, sent in pipelines of `REDIS_PIPELINE_COMMANDS` commands with up
// to `REDIS_PIPELINES_IN_FLIGHT` pipelines outstanding, so the client encodes the next pipeline
// while Redis executes (and, under appendfsync always, fsyncs) the previous one. Redis replies to
// each XADD only after the command is applied and — with `always` — after the AOF write is fsynced
// (it fsyncs once per event-loop turn, before sending the replies queued in that turn), so every
// record is individually confirmed. Every reply is checked for an error.
// Consume: XRANGE key <start> + COUNT 10000, the next page starting just after the last id.

import Redis from 'ioredis';
import { makePayloads, secondsSince } from './payloads.mjs';

/** XADDs per pipeline: 1,000 matched the reference measurement. */
export const REDIS_PIPELINE_COMMANDS = 1_000;
/** Pipelines the producer keeps outstanding; 2 lets encoding overlap execution on 2 cores. */
export const REDIS_PIPELINES_IN_FLIGHT = 2;
/** Entries per XRANGE page. */
export const REDIS_XRANGE_PAGE_ENTRIES = 10_000;

async function open(url) {
  const redis = new Redis(url, { lazyConnect: true, enableAutoPipelining: false, maxRetriesPerRequest: 0 });
  await redis.connect();
  return redis;
}

/**
 * @param {{ url: string, topic: string, records: number, recordSize: number }} o
 * @returns {Promise<{ seconds: number, records: number, bytes: number }>}
 */
export async function produce({ url, topic, records, recordSize }) {
  const redis = await open(url);
  try {
    await redis.del(topic);
    const payloads = makePayloads(recordSize);
    const inFlight = new Set();
    let sent = 0;
    const start = process.hrtime.bigint();
    while (sent < records) {
      const pipeline = redis.pipeline();
      const limit = Math.min(records, sent + REDIS_PIPELINE_COMMANDS);
      for (; sent < limit; sent++) pipeline.xadd(topic, '*', 'd', payloads[sent % payloads.length]);
      const p = pipeline.exec().then(checkReplies);
      inFlight.add(p);
      p.finally(() => inFlight.delete(p)).catch(() => {});
      if (inFlight.size >= REDIS_PIPELINES_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const seconds = secondsSince(start);
    const length = await redis.xlen(topic);
    if (length !== records) throw new Error(`Redis stream holds ${length} entries, expected ${records}`);
    return { seconds, records, bytes: records * recordSize };
  } finally {
    redis.disconnect();
  }
}

function checkReplies(results) {
  for (const [err] of results ?? []) if (err) throw err;
}

/**
 * @param {{ url: string, topic: string, records: number, recordSize: number }} o
 * @returns {Promise<{ seconds: number, records: number, bytes: number }>}
 */
export async function consume({ url, topic }) {
  const redis = await open(url);
  try {
    let count = 0;
    let bytes = 0;
    let from = '-';
    const start = process.hrtime.bigint();
    for (;;) {
      const page = await redis.xrangeBuffer(topic, from, '+', 'COUNT', REDIS_XRANGE_PAGE_ENTRIES);
      for (const [, fields] of page) bytes += fields[1].length;
      count += page.length;
      if (page.length < REDIS_XRANGE_PAGE_ENTRIES) break;
      // '(' makes the range exclusive of the last id seen (Redis >= 6.2).
      from = '(' + page[page.length - 1][0].toString('latin1');
    }
    return { seconds: secondsSince(start), records: count, bytes };
  } finally {
    redis.disconnect();
  }
}
