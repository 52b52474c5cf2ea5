// NATS JetStream side of the comparison: one file-storage stream, one subject, one connection.
//
// Produce methods (each one connection, timed from first publish to last confirmation):
//   'acked'  — JetStream async publish done the way `nats bench --js` does it: every message is
//              published with a reply subject, the server answers each with a PubAck after storing
//              it, and up to `NATS_ACKS_OUTSTANDING_MAX` acks may be outstanding. All replies go to
//              one inbox subscription that counts them and fails on any error ack. This is faster
//              than `js.publish()` (which allocates a promise and a timer per message) while
//              keeping its guarantee: every message individually confirmed stored.
//   'noack'  — core publish into the stream's subject: no per-message confirmation at all; the
//              clock stops when the stream reports holding all N messages. NATS's upper bound, with
//              a weaker guarantee than any other row (a producer learns of nothing it lost).
// Consume: a pull consumer with no acks (AckPolicy.None, like an offset reader), delivering from
// the first message, pulling large batches. Measured on this box it beat both the ordered pull
// consumer (~205k msg/s) and the push ordered consumer (~218k msg/s) at ~265k msg/s, so it is
// NATS's best shot at a replay.

import {
  AckPolicy, connect, createInbox, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType,
} from 'nats';
import { makePayloads, secondsSince } from './payloads.mjs';

/**
 * Acks a producer may wait for at once. 5,000 matched the reference measurement; more gives the
 * file store bigger write batches, and the window is only a bound on client memory (≈ 0.6 MB).
 */
export const NATS_ACKS_OUTSTANDING_MAX = 5_000;
/** A window that has drained to this many outstanding acks is refilled (avoids a wake-up per ack). */
const NATS_ACKS_REFILL_AT = NATS_ACKS_OUTSTANDING_MAX / 2;
/** Core publishes between two flushes (PING/PONG), bounding the client's outbound buffer. */
const NATS_NOACK_FLUSH_EVERY = 10_000;
/** Messages the pull consumer asks for per pull request. */
export const NATS_PULL_BATCH_MESSAGES = 10_000;
/** Time allowed for the stream to show all messages after a no-ack publish. */
const NATS_SETTLE_MS_MAX = 60_000;

const STREAM = 'BENCH';

async function open(url) {
  return connect({ servers: url, noEcho: true });
}

async function createStream(nc, subject) {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name: STREAM,
    subjects: [subject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
  });
  return jsm;
}

/**
 * @param {{ url: string, topic: string, records: number, recordSize: number, method?: 'acked' | 'noack' }} o
 * @returns {Promise<{ seconds: number, records: number, bytes: number }>}
 */
export async function produce({ url, topic, records, recordSize, method = 'acked' }) {
  const nc = await open(url);
  try {
    const jsm = await createStream(nc, topic);
    const payloads = makePayloads(recordSize);
    const seconds = method === 'noack'
      ? await produceNoAck(nc, jsm, topic, records, payloads)
      : await produceAcked(nc, topic, records, payloads);
    return { seconds, records, bytes: records * recordSize };
  } finally {
    await nc.close();
  }
}

async function produceAcked(nc, subject, records, payloads) {
  const inbox = createInbox();
  let acked = 0;
  let failure;
  let wake;
  nc.subscribe(inbox, {
    callback: (err, msg) => {
      // A PubAck is JSON `{"stream":"BENCH","seq":N}`; anything else (an `error` member, an
      // empty no-responders status) means the message was not stored.
      const data = msg?.data;
      if (err || !data || data.length === 0 || Buffer.from(data.buffer, data.byteOffset, data.length).includes('"error"')) {
        failure ??= err ?? new Error(`JetStream refused a message: ${msg?.string() || msg?.headers?.description}`);
      }
      acked++;
      if (wake && (failure || acked === records || sent - acked <= NATS_ACKS_REFILL_AT)) {
        const w = wake; wake = undefined; w();
      }
    },
  });
  await nc.flush(); // the inbox subscription is registered before the first publish
  let sent = 0;
  const start = process.hrtime.bigint();
  while (sent < records) {
    const limit = Math.min(records, acked + NATS_ACKS_OUTSTANDING_MAX);
    for (; sent < limit; sent++) nc.publish(subject, payloads[sent % payloads.length], { reply: inbox });
    await new Promise((r) => { wake = r; });
    if (failure) throw failure;
  }
  while (acked < records) {
    await new Promise((r) => { wake = r; });
    if (failure) throw failure;
  }
  return secondsSince(start);
}

async function produceNoAck(nc, jsm, subject, records, payloads) {
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < records;) {
    const limit = Math.min(records, sent + NATS_NOACK_FLUSH_EVERY);
    for (; sent < limit; sent++) nc.publish(subject, payloads[sent % payloads.length]);
    await nc.flush();
  }
  // The last flush only says the server has read the bytes; the stream may still be storing.
  const deadline = Date.now() + NATS_SETTLE_MS_MAX;
  for (;;) {
    const { state } = await jsm.streams.info(STREAM);
    if (state.messages >= records) break;
    if (Date.now() > deadline) {
      throw new Error(`NATS stream holds ${state.messages} of ${records} core-published messages after ${NATS_SETTLE_MS_MAX} ms`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return secondsSince(start);
}

/**
 * Reads the whole stream back from its first message with a no-ack pull consumer.
 * @param {{ url: string, topic: string, records: number, recordSize: number }} o
 * @returns {Promise<{ seconds: number, records: number, bytes: number }>}
 */
export async function consume({ url, records }) {
  const nc = await open(url);
  try {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    let count = 0;
    let bytes = 0;
    const start = process.hrtime.bigint();
    await jsm.consumers.add(STREAM, {
      durable_name: 'replay',
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await js.consumers.get(STREAM, 'replay');
    const iter = await consumer.consume({ max_messages: NATS_PULL_BATCH_MESSAGES });
    for await (const m of iter) {
      bytes += m.data.length;
      if (++count === records) break;
    }
    const seconds = secondsSince(start);
    return { seconds, records: count, bytes };
  } finally {
    await nc.close();
  }
}
