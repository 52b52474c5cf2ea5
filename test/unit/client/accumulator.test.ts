import { describe, expect, it } from 'vitest';
import { BATCH_HEADER_BYTES } from '../../../proto/constants.js';
import { varintSize } from '../../../proto/varint.js';
import { RecordAccumulator } from '../../../client/accumulator.js';
import { BufferPool } from '../../../proto/buffer-pool.js';
import { PendingSend } from '../../../client/producer-batch.js';
import type { RecordMetadata } from '../../../client/send-receipt.js';

const ACKS_ALL = 0;

/** The value length giving a record of `bytes` in total: framing is 5 one-byte fields plus two varints. */
function valueBytesFor(bytes: number): number {
  for (let v = 0; v < bytes; v++) {
    const body = 5 + varintSize(v) + v; // attributes, tsDelta, offsetDelta, null key, header count
    if (varintSize(body) + body === bytes) return v;
  }
  throw new Error(`no value length gives a ${bytes}-byte record`);
}
const ACKS_LEADER = 1;

function setup(lingerMs = 5, batchBytes = 1000, inFlight = 5) {
  const acc = new RecordAccumulator({ lingerMs, batchBytes, inFlightPerPartitionMax: inFlight });
  const closed: Array<[string, number]> = [];
  acc.onBatchClosed = (b) => closed.push([b.topic, b.partition]);
  const results: RecordMetadata[][] = [];
  const send = new PendingSend('t', 1000, (r) => results.push(r.toRecordMetadata()), () => {});
  let n = 0;
  /**
   * Appends a record whose value makes its encoded size exactly `bytes` (null key, no
   * headers, small deltas), passing `bytes` as its upper-bound estimate. Returns true when a
   * batch closed.
   */
  const add = (partition: number, bytes: number, now: number, acks = ACKS_ALL) => {
    const q = acc.queue('t', partition);
    const before = acc.closedCount;
    const batch = acc.openBatch(q, acks, bytes, now);
    const valueBytes = valueBytesFor(bytes);
    const sizeBefore = batch.sizeBytes;
    batch.builder!.append(null, -1, Buffer.alloc(valueBytes), valueBytes, now, undefined);
    expect(batch.sizeBytes - sizeBefore).toBe(bytes);
    batch.append(send, n++, 1, bytes);
    acc.closeIfFull(q);
    return acc.closedCount !== before;
  };
  return { acc, closed, add, send, results };
}

describe('RecordAccumulator', () => {
  it('keeps a batch open until it lingered lingerMs, then closes it', () => {
    const { acc, add } = setup(5);
    add(0, 100, 1000);
    add(0, 100, 1003);
    const q = acc.queue('t', 0);
    expect(acc.closeExpired(1004, false)).toBe(1005);
    expect(q.open?.recordCount).toBe(2);
    expect(q.ready).toHaveLength(0);
    expect(acc.closeExpired(1005, false)).toBe(Infinity);
    expect(q.open).toBeNull();
    expect(q.ready).toHaveLength(1);
    expect(q.ready[0]!.recordCount).toBe(2);
  });

  it('sizes the batch after a small lingered one from the partition\'s recent batches, not from that one alone', () => {
    // A stream acknowledged in bursts closes a small batch on linger now and then; the next
    // batch must not start small and regrow (copies, and buffers of sizes the pool lacks).
    const requests: number[] = [];
    class CountingPool extends BufferPool {
      override acquire(bytes: number): Uint8Array {
        requests.push(bytes);
        return super.acquire(bytes);
      }
    }
    const batchBytes = 100_000;
    const acc = new RecordAccumulator({ lingerMs: 5, batchBytes, inFlightPerPartitionMax: 5, pool: new CountingPool(1 << 24) });
    const send = new PendingSend('t', 1000, () => {}, () => {});
    const q = acc.queue('t', 0);
    let n = 0;
    const add = (now: number) => {
      const batch = acc.openBatch(q, ACKS_ALL, 1000, now);
      const vb = valueBytesFor(1000);
      batch.builder!.append(null, -1, Buffer.alloc(vb), vb, now, undefined);
      batch.append(send, n++, 1, 1000);
      acc.closeIfFull(q);
    };
    while (q.ready.length === 0) add(0); // one full batch (the record that did not fit opened the next)
    acc.closeExpired(10, false); // that one, closed on linger
    expect(q.ready.map((b) => b.recordCount)).toEqual([99, 1]);
    requests.length = 0;
    while (q.ready.length < 3) add(30);
    // The third batch filled in the one buffer it started with; the fourth started as large.
    expect(q.ready[2]!.recordCount).toBe(99);
    expect(requests).toHaveLength(2);
    for (const r of requests) expect(r).toBeGreaterThanOrEqual(batchBytes);
  });

  it('closes every open batch at once when flushing', () => {
    const { acc, add } = setup(10_000);
    add(0, 100, 0);
    add(1, 100, 0);
    acc.closeExpired(1, true);
    expect(acc.queue('t', 0).ready).toHaveLength(1);
    expect(acc.queue('t', 1).ready).toHaveLength(1);
  });

  it('closes a batch when the next record would pass batchBytes, counting the header', () => {
    const { acc, add } = setup(5, 1000);
    const perRecord = 100;
    const fit = Math.floor((1000 - BATCH_HEADER_BYTES) / perRecord); // 9 records
    for (let i = 0; i < fit; i++) expect(add(0, perRecord, 0)).toBe(false);
    expect(add(0, perRecord, 0)).toBe(true);
    const q = acc.queue('t', 0);
    expect(q.ready.map((b) => b.recordCount)).toEqual([fit]);
    expect(q.open?.recordCount).toBe(1);
    for (const b of q.ready) expect(b.sizeBytes).toBeLessThanOrEqual(1000);
  });

  it('gives a record larger than batchBytes a batch of its own', () => {
    const { acc, add } = setup(5, 1000);
    add(0, 10, 0);
    expect(add(0, 1500, 0)).toBe(true);
    const q = acc.queue('t', 0);
    expect(q.ready.map((b) => b.recordCount)).toEqual([1, 1]);
    expect(q.open).toBeNull();
  });

  it('never mixes acks levels in one batch', () => {
    const { acc, add } = setup();
    add(0, 10, 0, ACKS_ALL);
    expect(add(0, 10, 0, ACKS_LEADER)).toBe(true);
    const q = acc.queue('t', 0);
    expect(q.ready[0]!.acks).toBe(ACKS_ALL);
    expect(q.open!.acks).toBe(ACKS_LEADER);
  });

  it('reports each closed batch so the sticky partitioner can move on', () => {
    const { acc, add, closed } = setup(5, 400);
    add(2, 150, 0);
    add(2, 150, 0);
    expect(closed).toEqual([]);
    add(2, 150, 0); // 61 + 3 * 150 > 400: the first two go, the third opens a new batch
    expect(closed).toEqual([['t', 2]]);
    acc.closeExpired(100, false);
    expect(closed).toEqual([['t', 2], ['t', 2]]);
  });

  it('bounds batches in flight per partition, and to one while a retry is pending', () => {
    const { acc, add } = setup(0, 100, 2);
    for (let i = 0; i < 4; i++) add(0, 100, 0);
    acc.closeExpired(0, false);
    const q = acc.queue('t', 0);
    expect(q.ready).toHaveLength(4);
    const sent = [];
    for (let b = acc.sendable(q, 0); b; b = acc.sendable(q, 0)) {
      acc.markInFlight(q, b);
      sent.push(b);
    }
    expect(sent).toHaveLength(2);
    // The first fails and comes back for a retry: nothing else may go until it is answered.
    q.removeInFlight(sent[0]!);
    sent[0]!.attempts = 1;
    sent[0]!.retryAtMs = 50;
    q.requeue(sent[0]!);
    expect(q.ready[0]).toBe(sent[0]);
    expect(acc.sendable(q, 10)).toBeNull(); // backoff not over
    expect(acc.sendable(q, 60)).toBeNull(); // batch 2 still in flight
    q.removeInFlight(sent[1]!);
    expect(acc.sendable(q, 60)).toBe(sent[0]);
  });

  it('puts retried batches back in creation order', () => {
    const { acc, add } = setup(0, 100, 5);
    for (let i = 0; i < 3; i++) add(0, 100, 0);
    acc.closeExpired(0, false);
    const q = acc.queue('t', 0);
    const sent = [];
    for (let b = acc.sendable(q, 0); b; b = acc.sendable(q, 0)) { acc.markInFlight(q, b); sent.push(b); }
    for (const b of [sent[2]!, sent[0]!, sent[1]!]) { q.removeInFlight(b); q.requeue(b); }
    expect(q.ready.map((b) => b.order)).toEqual([0, 1, 2]);
  });

  it('resolves a send() once all its batches are complete, with offsets per record', () => {
    const { acc, add, results } = setup(0, 300);
    for (let i = 0; i < 5; i++) add(i % 2, 100, 0);
    acc.closeExpired(0, true);
    const b0 = acc.queue('t', 0).ready;
    const b1 = acc.queue('t', 1).ready;
    expect(b0.map((b) => b.recordCount)).toEqual([2, 1]);
    expect(b1.map((b) => b.recordCount)).toEqual([2]);
    b0[0]!.complete(10);
    b1[0]!.complete(40);
    expect(results).toHaveLength(0);
    b0[1]!.complete(12);
    expect(results).toHaveLength(1);
    expect(results[0]!.slice(0, 5)).toEqual([
      { topic: 't', partition: 0, offset: 10 }, { topic: 't', partition: 1, offset: 40 }, { topic: 't', partition: 0, offset: 11 },
      { topic: 't', partition: 1, offset: 41 }, { topic: 't', partition: 0, offset: 12 },
    ]);
  });
});
