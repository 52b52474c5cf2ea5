/**
 * SIGTERM under produce load: the broker answers every request it took in (acknowledged, or
 * failed with a retriable BrokerShuttingDownError), closes connections with 1001, flushes,
 * writes the clean-shutdown marker and exits 0; the next start does not scan the log; and every
 * acknowledged record is there exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { ErrorCode } from '../../proto/errors.js';
import { pb } from '../../proto/messages.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { startBroker, waitFor, type BrokerChild } from './harness/broker-process.js';
import { ProduceLoad } from './harness/load.js';
import { valueFor } from './harness/ledger.js';
import { produceBody, readPartition, WireClient } from './harness/wire-client.js';

const PARTITIONS = 2;
/** Requests a raw client keeps unanswered while pipelining. */
const RAW_OUTSTANDING_MAX = 32;

interface RawSend {
  id: number;
  value: string;
  partition: number;
  sentAtMs: number;
}

describe('graceful shutdown under load', () => {
  let dataDir: string;
  const brokers: BrokerChild[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-sigterm-'));
  });
  afterEach(async () => {
    for (const b of brokers.splice(0)) await b.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every request it took in, exits cleanly, and the next start does not scan', async () => {
    let broker = await startBroker(dataDir, { flush: 'interval', args: ['--flush-interval-ms', '60000'] });
    brokers.push(broker);
    const admin = new Strata({ brokers: broker.url });
    await admin.admin().createTopic({ name: 'load', partitions: PARTITIONS });
    await admin.close();

    // SDK producers, redirected to whichever broker runs (they retry across the restart).
    const load = new ProduceLoad({
      topic: 'load', producers: 2, outstandingPerProducer: 4, recordsPerSendMax: 10, target: () => broker.url, random: Math.random,
    });
    // Raw clients pipelining acks=all produces, to see exactly what the broker answers.
    const raws = await Promise.all([0, 1].map(() => WireClient.handshake(broker.url)));
    const sent: RawSend[][] = raws.map(() => []);
    let pumping = true;
    const pumps = raws.map(async (c, k) => {
      for (let n = 0; pumping && c.isOpen; n++) {
        const outstanding = sent[k]!.length - c.received.length;
        if (outstanding >= RAW_OUTSTANDING_MAX) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const value = `raw${k}-${n}`;
        const partition = n % PARTITIONS;
        const id = c.send(produceBody('load', partition, encodeRecordBatch([{ value: Buffer.from(value) }]), pb.Acks.ACKS_ALL));
        sent[k]!.push({ id, value, partition, sentAtMs: Date.now() });
        await new Promise((r) => setImmediate(r));
      }
    });
    load.start();
    await new Promise((r) => setTimeout(r, 400));
    const termAtMs = Date.now();
    const exit = broker.stop();
    expect(await exit).toBe(0);
    pumping = false;
    load.pause();
    await Promise.all(pumps);

    // Every answered request was acknowledged or refused as retriable shutdown; the unanswered
    // ones are a suffix (frames that arrived after the socket was closing), never one in the middle.
    const acked: Array<{ value: string; partition: number; offset: number }> = [];
    let refused = 0;
    let unanswered = 0;
    for (const [k, c] of raws.entries()) {
      const closed = await c.closed;
      expect(closed.code, `raw client ${k} close code`).toBe(1001);
      const byId = new Map(c.received.map((r) => [r.correlationId, r]));
      let firstUnanswered = -1;
      for (const [i, s] of sent[k]!.entries()) {
        const res = byId.get(s.id);
        if (!res) {
          if (firstUnanswered < 0) firstUnanswered = i;
          unanswered++;
          continue;
        }
        expect(firstUnanswered, `request ${i} answered after request ${firstUnanswered} was not`).toBe(-1);
        const err = res.error ?? res.produce!.topics![0]!.partitions![0]!.error;
        if (err && err.code) {
          expect(err).toMatchObject({ code: ErrorCode.BROKER_SHUTTING_DOWN, retriable: true });
          refused++;
        } else {
          acked.push({ value: s.value, partition: s.partition, offset: Number(res.produce!.topics![0]!.partitions![0]!.baseOffset) });
        }
      }
      // Anything sent well before the signal was taken in and answered.
      if (firstUnanswered >= 0) expect(sent[k]![firstUnanswered]!.sentAtMs).toBeGreaterThan(termAtMs - 250);
      expect(c.undecodable).toBe(0);
    }
    console.log(`[sigterm] raw produces: ${acked.length} acknowledged, ${refused} refused (shutting down), ${unanswered} sent after close`);
    expect(acked.length).toBeGreaterThan(20);

    // The next start finds the clean-shutdown marker and does not scan the log.
    broker = await startBroker(dataDir, { flush: 'interval', args: ['--flush-interval-ms', '60000'] });
    brokers.push(broker);
    await waitFor(() => broker.find('storage opened').length > 0, 5_000, 'storage opened');
    expect(broker.find('storage opened')[0]).toMatchObject({ cleanShutdown: true });
    expect(broker.find('recovering log after unclean shutdown')).toEqual([]);

    // The SDK producers' in-flight sends complete against the new broker; nothing is lost or doubled.
    await load.settle(20_000);
    expect(load.stats.sendsFailed).toBe(0);
    const c = await WireClient.handshake(broker.url);
    try {
      const seen = new Set<string>();
      for (let p = 0; p < PARTITIONS; p++) {
        const contents = await readPartition(c, 'load', p);
        const at = (offset: number) => contents.records[offset - contents.logStartOffset]?.value?.toString();
        // Every value appears once (retries across the restart were recognised as duplicates).
        for (const r of contents.records) {
          const v = r.value!.toString();
          expect(seen.has(v), `${v} appears twice`).toBe(false);
          seen.add(v);
        }
        for (const a of acked.filter((x) => x.partition === p)) expect(at(a.offset), a.value).toBe(a.value);
        for (const [key, ack] of load.ledger.acked) {
          if (ack.partition !== p) continue;
          const [producer, seq] = key.split(':').map(Number);
          expect(at(ack.offset), `acknowledged ${key}`).toBe(valueFor(producer!, seq!).toString());
        }
      }
    } finally {
      c.close();
      for (const r of raws) r.terminate();
      await load.close();
    }
  });
});
