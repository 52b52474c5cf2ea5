/**
 * The kill -9 loop: a broker child process under produce load from several idempotent acks=all
 * producers (flush always) is killed with SIGKILL at a random moment, restarted on the same data
 * directory, and the log is checked against what the producers were told, many times.
 *
 * One cycle:
 *   1. load runs for a random window (loadMsMin..loadMsMax), then SIGKILL; some cycles instead
 *      kill the broker a few ms into its start-up, in the middle of recovery;
 *   2. the load pauses (no new sends) and the broker restarts on the same data directory;
 *   3. sends that were in flight at the kill retry against the new broker until answered (the
 *      rebuilt producer state must turn retries of already-written batches into duplicates);
 *   4. every partition is read back and checked (ledger.ts). The whole log is checked every
 *      `fullCheckEvery` cycles, otherwise from the previous check's end (the earlier prefix was
 *      checked then, and its acknowledged records must still lie below the high watermark).
 *
 * Runnable alone: `runKillLoop(options)` returns a report; kill-loop.test.ts runs a short one in
 * `npm test` and `npm run test:crash:long` a long one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Strata } from '../../../client/index.js';
import type { ChildProcess } from 'node:child_process';
import { startBroker, type BrokerChild, type StartOptions } from './broker-process.js';
import { ProduceLoad, redirectingSocketFactory } from './load.js';
import { verifyPartition } from './ledger.js';
import { readPartition, WireClient } from './wire-client.js';

export interface KillLoopOptions {
  cycles: number;
  producers: number;
  partitions: number;
  loadMsMin: number;
  loadMsMax: number;
  /** Fraction of cycles that also kill the broker once during its start-up (recovery). */
  killDuringStartupRatio: number;
  /** Check the whole log every this many cycles (1: every cycle). */
  fullCheckEvery: number;
  /** Extra broker CLI flags (small segments make kills land on rolls too). */
  brokerArgs: readonly string[];
  seed: number;
  /** Called after each cycle (progress output of the long run). */
  onCycle?: (cycle: number, report: KillLoopReport) => void;
}

export interface KillLoopReport {
  cycles: number;
  startupKills: number;
  recordsSent: number;
  recordsAcked: number;
  /** Records read back and checked, summed over every check. */
  recordsVerified: number;
  /** Records in the final log. */
  recordsInLog: number;
  /** Records in the final log that no producer saw acknowledged. */
  unacknowledgedInLog: number;
  sendsFailed: number;
  /**
   * Records found in the log right after a restart that no producer had seen acknowledged when
   * the broker was killed: their batches were written, the answers lost, and the producers'
   * retries had to be recognised as duplicates.
   */
  writtenUnackedAtKill: number;
  /** Restarts after which the broker logged a truncation of a torn tail. */
  truncations: number;
  elapsedMs: number;
  /** Where the time went, summed over cycles: broker restarts, waiting for retried sends, checks. */
  phaseMs: { restart: number; settle: number; check: number };
}

/** Longest the in-flight sends may take to be answered after a restart. */
const SETTLE_MS_MAX = 30_000;

/** Deterministic PRNG (mulberry32) so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopReport> {
  const started = Date.now();
  const random = prng(options.seed);
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-crash-'));
  const topic = 'crash';
  const brokerOpts: StartOptions = { args: options.brokerArgs, logLevel: 'info' };
  let broker: BrokerChild | null = null;
  const spawned: BrokerChild[] = [];
  const start = async (): Promise<BrokerChild> => {
    const b = await startBroker(dataDir, brokerOpts);
    spawned.push(b);
    return b;
  };
  const load = new ProduceLoad({
    topic, producers: options.producers, outstandingPerProducer: 2, recordsPerSendMax: 10,
    target: () => broker?.url ?? 'ws://127.0.0.1:1', random,
  });
  const report: KillLoopReport = {
    cycles: 0, startupKills: 0, recordsSent: 0, recordsAcked: 0, recordsVerified: 0, recordsInLog: 0,
    unacknowledgedInLog: 0, sendsFailed: 0, writtenUnackedAtKill: 0, truncations: 0, elapsedMs: 0,
    phaseMs: { restart: 0, settle: 0, check: 0 },
  };
  // Incremental checking state: per partition, where the last check ended and what it saw.
  const checkedUpTo = new Array<number>(options.partitions).fill(0);
  const seen = new Set<string>();
  const lastSeq = Array.from({ length: options.partitions }, () => new Map<number, number>());

  try {
    broker = await start();
    const admin = new Strata({ brokers: broker.url, socketFactory: redirectingSocketFactory(() => broker!.url) });
    await admin.admin().createTopic({ name: topic, partitions: options.partitions });
    await admin.close();

    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      load.start();
      const windowMs = options.loadMsMin + random() * (options.loadMsMax - options.loadMsMin);
      await new Promise((r) => setTimeout(r, windowMs));
      await broker!.kill();
      load.pause();

      let t = Date.now();
      if (random() < options.killDuringStartupRatio) {
        // Crash again in the middle of start-up/recovery: recovery itself must be restartable.
        const early = await startEarlyAndKill(dataDir, brokerOpts, random);
        if (early) report.startupKills++;
      }
      // Producers are held off (they dial a closed port) until the restarted log is measured:
      // whatever lies past the acknowledged records was written before the kill, and the
      // producers' retries of those batches must now be answered as duplicates.
      const ackedAtKill = load.ledger.acked.size;
      broker = null;
      const restarted = await start();
      report.writtenUnackedAtKill += (await logEndOffsets(restarted.url, topic, options.partitions)) - ackedAtKill;
      broker = restarted;
      report.phaseMs.restart += Date.now() - t;
      t = Date.now();
      await load.settle(SETTLE_MS_MAX);
      report.phaseMs.settle += Date.now() - t;
      t = Date.now();

      const full = cycle % options.fullCheckEvery === 0 || cycle === options.cycles;
      if (full) {
        checkedUpTo.fill(0);
        seen.clear();
        for (const m of lastSeq) m.clear();
      }
      const c = await WireClient.handshake(broker.url);
      try {
        let inLog = 0;
        let unacked = 0;
        for (let p = 0; p < options.partitions; p++) {
          const contents = await readPartition(c, topic, p, checkedUpTo[p]);
          const check = verifyPartition(load.ledger, p, contents.records, contents.logStartOffset, checkedUpTo[p]!,
            seen, lastSeq[p]!, contents.highWatermark);
          report.recordsVerified += check.records;
          checkedUpTo[p] = contents.highWatermark;
          inLog += contents.highWatermark;
          unacked += check.unacknowledged;
        }
        report.recordsInLog = inLog;
        if (full) report.unacknowledgedInLog = unacked;
      } finally {
        c.close();
      }
      report.phaseMs.check += Date.now() - t;
      if (broker.find('truncating log at the first invalid batch').length > 0) report.truncations++;
      report.cycles = cycle;
      report.recordsSent = load.stats.recordsSent;
      report.recordsAcked = load.stats.recordsAcked;
      report.sendsFailed = load.stats.sendsFailed;
      report.elapsedMs = Date.now() - started;
      options.onCycle?.(cycle, report);
    }
    return report;
  } catch (err) {
    const where = `kill loop failed at cycle ${report.cycles + 1} (seed ${options.seed}, data dir kept: ${dataDir})`;
    throw Object.assign(new Error(`${where}: ${(err as Error).message}`), { cause: err, dataDir });
  } finally {
    await load.close();
    for (const b of spawned) await b.kill();
    if (report.cycles === options.cycles) await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Starts a broker and SIGKILLs it a random 0-80 ms after spawning, whether or not it got to
 * listen. Returns whether it was killed before it was ready.
 */
async function startEarlyAndKill(dataDir: string, opts: StartOptions, random: () => number): Promise<boolean> {
  const delayMs = Math.floor(random() * 80);
  let child: ChildProcess | null = null;
  const starting = startBroker(dataDir, { ...opts, onSpawn: (c) => { child = c; } });
  const outcome = await Promise.race([
    starting.then(() => 'ready' as const, () => 'failed' as const),
    new Promise<'timer'>((r) => setTimeout(() => r('timer'), delayMs)),
  ]);
  (child as ChildProcess | null)?.kill('SIGKILL');
  const b = await starting.catch(() => null);
  await b?.kill();
  return outcome === 'timer';
}

/** Sum of the partitions' log end offsets (ListOffsets latest). */
async function logEndOffsets(url: string, topic: string, partitions: number): Promise<number> {
  const c = await WireClient.handshake(url);
  try {
    const res = await c.request({ listOffsets: { topics: [{ name: topic,
      partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, timestamp: -1 })) }] } });
    let sum = 0;
    for (const p of res.listOffsets!.topics![0]!.partitions!) {
      if (p.error && p.error.code) throw new Error(`listOffsets failed: ${p.error.message}`);
      sum += Number(p.offset);
    }
    return sum;
  } finally {
    c.close();
  }
}
