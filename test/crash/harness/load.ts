/**
 * Produce load for crash tests: several SDK producers (acks=all, idempotent), each with its own
 * Strata client, sending records whose values come from ledger.ts, recording every
 * acknowledgement.
 *
 * The clients survive broker restarts: their sockets are opened through a factory that always
 * dials the broker's *current* URL (each restart listens on a new port), so a batch in flight at
 * the kill is retried, with the same producer id and sequence, against the restarted broker.
 * That is what makes the broker's rebuilt producer state matter: a batch written before the
 * kill whose answer was lost must be recognised as a duplicate, not appended twice.
 */
import { Strata } from '../../../client/index.js';
import type { Producer } from '../../../client/producer.js';
import { nodeSocketFactory, type SocketFactory } from '../../../client/socket.js';
import { Ledger, valueFor } from './ledger.js';

/** A socket factory that ignores the URL it is given and dials `target()` instead. */
export function redirectingSocketFactory(target: () => string): SocketFactory {
  return (_url, handlers, options) => nodeSocketFactory(target(), handlers, options);
}

export interface LoadOptions {
  topic: string;
  producers: number;
  /** send() calls each producer keeps outstanding. */
  outstandingPerProducer: number;
  /** Records per send() call: 1 .. this. */
  recordsPerSendMax: number;
  /** The broker URL to dial now. */
  target: () => string;
  random: () => number;
}

/** Counters over the whole run. */
export interface LoadStats {
  sends: number;
  sendsFailed: number;
  recordsSent: number;
  recordsAcked: number;
}

export class ProduceLoad {
  readonly ledger: Ledger;
  readonly stats: LoadStats = { sends: 0, sendsFailed: 0, recordsSent: 0, recordsAcked: 0 };
  readonly errors: Error[] = [];
  private readonly clients: Strata[] = [];
  private readonly producers: Producer[] = [];
  private readonly outstanding = new Set<Promise<void>>();
  private running = false;
  /** Bumped by every start(): a pump of an older generation stops at its next turn. */
  private generation = 0;

  constructor(private readonly opts: LoadOptions) {
    this.ledger = new Ledger(opts.producers);
    for (let k = 0; k < opts.producers; k++) {
      const client = new Strata({
        brokers: 'ws://127.0.0.1:1', // replaced by the redirecting socket factory
        clientId: `crash-producer-${k}`,
        socketFactory: redirectingSocketFactory(opts.target),
        connectTimeoutMs: 2_000,
        requestTimeoutMs: 5_000,
        // Retry unknown outcomes for as long as a restart can take.
        retry: { retries: 1_000, initialRetryTimeMs: 10, maxRetryTimeMs: 100 },
      });
      this.clients.push(client);
      this.producers.push(client.producer({ acks: 'all', idempotent: true, lingerMs: 1 }));
    }
  }

  /** Starts every producer's send loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    for (let k = 0; k < this.producers.length; k++) void this.pump(k, generation);
  }

  /** Stops issuing sends at once; outstanding ones keep retrying (settle() waits for them). */
  pause(): void {
    this.running = false;
  }

  /** Waits until every outstanding send has been acknowledged or has failed for good. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.outstanding.size} sends still outstanding after ${timeoutMs} ms`);
      await Promise.race([Promise.all([...this.outstanding]), new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
    }
  }

  get outstandingSends(): number {
    return this.outstanding.size;
  }

  async close(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.clients.map((c) => c.close()));
  }

  private async pump(k: number, generation: number): Promise<void> {
    const mine = new Set<Promise<void>>();
    while (this.running && generation === this.generation) {
      if (mine.size >= this.opts.outstandingPerProducer) {
        await Promise.race(mine);
        continue;
      }
      const p = this.sendOne(k).finally(() => {
        mine.delete(p);
        this.outstanding.delete(p);
      });
      mine.add(p);
      this.outstanding.add(p);
      // Let the event loop breathe so the kill timer and responses run.
      await new Promise((r) => setImmediate(r));
    }
  }

  private async sendOne(k: number): Promise<void> {
    const n = 1 + Math.floor(this.opts.random() * this.opts.recordsPerSendMax);
    const seqs: number[] = [];
    const messages = [];
    for (let i = 0; i < n; i++) {
      const seq = this.ledger.nextSeq(k);
      seqs.push(seq);
      messages.push({ key: `key-${seq % 13}`, value: valueFor(k, seq) });
    }
    this.stats.sends++;
    this.stats.recordsSent += n;
    try {
      const metas = await this.producers[k]!.send({ topic: this.opts.topic, messages });
      for (let i = 0; i < n; i++) this.ledger.ack(k, seqs[i]!, metas[i]!.partition, metas[i]!.offset);
      this.stats.recordsAcked += n;
    } catch (err) {
      // Outcome unknown: the records may or may not be in the log; the check allows either.
      this.stats.sendsFailed++;
      this.ledger.failedRecords += n;
      if (this.errors.length < 20) this.errors.push(err as Error);
    }
  }
}
