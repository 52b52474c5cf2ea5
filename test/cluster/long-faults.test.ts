/**
 * The long random-fault run (`npm run test:cluster:long`; skipped in the default suite unless
 * STRATA_CLUSTER_FAULTS is set): three real brokers on a real etcd, every broker link through a
 * fault proxy, on a 3-member etcd, an idempotent acks=all producer writing unique values to
 * three RF=3 partitions and a consumer tailing them, while N faults (STRATA_CLUSTER_FAULTS, 20 by
 * default in the npm script) hit random brokers or etcd members, one at a time, each healed
 * before the next:
 *   kill        kill -9 of a broker, restart on the same data dir 1-3 s later
 *   pause       SIGSTOP of a broker past the lease (3-4 s), SIGCONT (a zombie that wakes up)
 *   isolate     a broker's etcd and replication links held 3-5 s (a network partition), healed
 *   asym        a broker's replication links held 3 s (reaches etcd, not its followers), healed
 *   etcd-kill   kill -9 of an etcd member (the raft leader half the time), restarted on its data
 *               dir 1-3 s later
 *   etcd-pause  SIGSTOP of an etcd member (the raft leader half the time) for 3-4 s, SIGCONT
 * STRATA_CLUSTER_FAULT_KINDS (comma-separated) limits a run to some of the kinds.
 * After each fault the run waits for every broker to be live, every ISR full and etcd to have a
 * leader again.
 *
 * The checker (a ledger of what was acknowledged, and what the consumer saw):
 *   lost        acknowledged records not in the final log at their offset
 *   duplicated  values present more than once in the final logs
 *   reordered   values of one partition whose final offsets are not in send order
 *   divergent   partitions whose replicas are not byte-identical at the end
 *   unstable    records the consumer read (below the high watermark) that the final log does
 *               not hold at that offset, or offsets it saw go backwards
 *   hwBack      high watermarks the consumer saw decrease on a partition
 * all must be 0. STRATA_CLUSTER_FAULTS_SEED fixes the random choices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';
import { prng } from '../crash/harness/kill-loop.js';

const FAULTS = Number(process.env.STRATA_CLUSTER_FAULTS ?? 0);
const SEED = Number(process.env.STRATA_CLUSTER_FAULTS_SEED ?? Date.now() % 1_000_000);
const PARTITIONS = 3;
const TOPIC = 'ledger';
/** Longest the cluster may take to be whole again after a fault is healed. */
const RECOVERY_MS_MAX = 45_000;
/** Longest the final read-back of every partition from earliest may take. */
const FINAL_READ_MS_MAX = 120_000;
const RETRY = { retries: 1_000, initialRetryTimeMs: 50, maxRetryTimeMs: 500 };

const ALL_KINDS = ['kill', 'pause', 'isolate', 'asym', 'etcd-kill', 'etcd-pause'] as const;
type FaultKind = typeof ALL_KINDS[number];
/** The kinds a run draws from: STRATA_CLUSTER_FAULT_KINDS, or all of them. */
const KINDS: readonly FaultKind[] = (() => {
  const asked = process.env.STRATA_CLUSTER_FAULT_KINDS?.split(',').map((k) => k.trim()).filter(Boolean);
  if (!asked || asked.length === 0) return ALL_KINDS;
  const bad = asked.filter((k) => !(ALL_KINDS as readonly string[]).includes(k));
  if (bad.length > 0) throw new Error(`STRATA_CLUSTER_FAULT_KINDS: unknown kinds ${bad.join(', ')} (known: ${ALL_KINDS.join(', ')})`);
  return asked as FaultKind[];
})();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let cluster: BrokerCluster;

describe.skipIf(FAULTS <= 0)('long random-fault run', () => {
  beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3, proxied: true, etcdMembers: 3, args: ['--replica-lag-ms', '1500'] }); }, 60_000);
  afterAll(async () => { await cluster?.stop(); });

  it(`survives ${FAULTS} faults with a clean ledger`, async () => {
    const random = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const client = new Strata({ brokers: cluster.bootstrap(), retry: RETRY });
    await client.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3, minInsyncReplicas: 2 });

    const wholeAgain = async (): Promise<number> => until(async () => {
      const c = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 0 } });
      try {
        if ((await cluster.etcd.leaderIndex()) < 0) return false;
        const info = await c.admin().clusterInfo([TOPIC]);
        return info.brokers.filter((b) => b.alive).length === 3
          && info.topics[0]!.partitions.every((p) => p.leader > 0 && p.isr.length === 3);
      } catch {
        return false;
      } finally {
        await c.close().catch(() => undefined);
      }
    }, RECOVERY_MS_MAX, 'every broker live and every ISR full');
    await wholeAgain();

    // ---- load: the producer ----
    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 2, deliveryTimeoutMs: 60_000 });
    const acked = new Map<string, { partition: number; offset: number }>();
    const sentOrder: string[][] = Array.from({ length: PARTITIONS }, () => []);
    let failedSends = 0;
    let stop = false;
    const writer = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; !stop; i++) {
        const partition = i % PARTITIONS;
        const value = `p${partition}-${i}`;
        sentOrder[partition]!.push(value);
        const p = producer.send({ topic: TOPIC, messages: [{ value, partition }] }).then(([m]) => {
          acked.set(value, { partition: m!.partition, offset: m!.offset });
        }, () => { failedSends++; }).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= 30) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    })();

    // ---- the consumer: what it reads must stay, high watermarks must not go back ----
    const reader = new Strata({ brokers: cluster.bootstrap(), retry: RETRY });
    const consumer = reader.consumer({ decode: 'utf8', maxWaitMs: 200 });
    await consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: 'earliest' as const })));
    const seen = Array.from({ length: PARTITIONS }, () => new Map<number, string>());
    const lastOffset = new Array<number>(PARTITIONS).fill(-1);
    const lastHw = new Array<number>(PARTITIONS).fill(-1);
    let unstable = 0;
    let hwBack = 0;
    let reading = true;
    let consumerErrors = 0;
    const tail = (async () => {
      while (reading) {
        try {
          for await (const batch of consumer.batches()) {
            const p = batch.partition;
            if (batch.highWatermark >= 0) {
              if (batch.highWatermark < lastHw[p]!) hwBack++;
              lastHw[p] = Math.max(lastHw[p]!, batch.highWatermark);
            }
            for (const r of batch.records) {
              if (r.offset <= lastOffset[p]!) unstable++;
              lastOffset[p] = r.offset;
              seen[p]!.set(r.offset, r.value!);
            }
            if (!reading) break;
          }
        } catch {
          consumerErrors++; // the consumer keeps its positions: carry on from them
          await sleep(200);
        }
      }
    })();

    // ---- the faults ----
    const kinds = KINDS;
    const tally: Record<string, number> = Object.fromEntries(ALL_KINDS.map((k) => [k, 0]));
    const recoveries: number[] = [];
    await until(() => acked.size >= 300, 30_000, 'load running');
    for (let f = 0; f < FAULTS; f++) {
      const kind = pick(kinds);
      const victim = pick(cluster.ids);
      tally[kind]!++;
      const before = acked.size;
      if (kind === 'etcd-kill' || kind === 'etcd-pause') {
        const leader = await cluster.etcd.leaderIndex();
        const member = leader >= 0 && random() < 0.5 ? leader : Math.floor(random() * cluster.etcd.members);
        process.stderr.write(`fault ${f + 1}/${FAULTS}: ${kind} etcd member ${member}${member === leader ? ' (raft leader)' : ''} (acknowledged so far ${before})\n`);
        if (kind === 'etcd-kill') {
          await cluster.etcd.kill(member);
          await sleep(1_000 + random() * 2_000);
          await cluster.etcd.restart(member);
        } else {
          cluster.etcd.pause(member);
          await sleep(3_000 + random() * 1_000);
          cluster.etcd.resume(member);
        }
        recoveries.push(await wholeAgain());
        await until(() => acked.size > before + 50, 30_000, 'acknowledgements after the fault');
        continue;
      }
      process.stderr.write(`fault ${f + 1}/${FAULTS}: ${kind} broker ${victim} (acknowledged so far ${before})\n`);
      if (kind === 'kill') {
        await cluster.kill(victim);
        await sleep(1_000 + random() * 2_000);
        await cluster.restart(victim);
      } else if (kind === 'pause') {
        cluster.pause(victim);
        await sleep(3_000 + random() * 1_000);
        cluster.resume(victim);
      } else if (kind === 'isolate') {
        const links = cluster.links(victim);
        for (const p of links.etcd) p.hold();
        links.replication.hold();
        await sleep(3_000 + random() * 2_000);
        for (const p of links.etcd) p.heal();
        links.replication.heal();
      } else {
        const links = cluster.links(victim);
        links.replication.hold();
        await sleep(3_000);
        links.replication.heal();
      }
      recoveries.push(await wholeAgain());
      await until(() => acked.size > before + 50, 30_000, 'acknowledgements after the fault');
    }

    process.stderr.write('faults done: stopping the writer\n');
    stop = true;
    await writer;
    await producer.close();
    await wholeAgain();
    process.stderr.write('writer stopped, cluster whole: checking the final logs\n');

    // ---- the final logs ----
    let divergent = 0;
    await until(async () => {
      let bad = 0;
      for (let p = 0; p < PARTITIONS; p++) {
        const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, TOPIC, p)));
        if (!bytes.every((b) => b.equals(bytes[0]!))) bad++;
      }
      divergent = bad;
      return bad === 0;
    }, 30_000, 'replicas byte-identical').catch(() => undefined);

    const finalLogs = Array.from({ length: PARTITIONS }, () => new Map<number, string>());
    // A leader elected a moment ago raises its high watermark as its followers fetch: wait until
    // each covers every offset acknowledged on its partition (one that never does lost a record).
    const needed = new Array<number>(PARTITIONS).fill(0);
    for (const { partition, offset } of acked.values()) needed[partition] = Math.max(needed[partition]!, offset + 1);
    let ends: Array<{ offset: number }> = [];
    let hwShort = false;
    await until(async () => {
      ends = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => reader.admin().listOffsets(TOPIC, p, 'latest')));
      return ends.every((e, p) => e.offset >= needed[p]!);
    }, 15_000, 'high watermarks covering every acknowledged offset').catch(() => { hwShort = true; });
    // The long-lived client reads it back: every broker has moved to another port by now.
    const check = reader.consumer({ decode: 'utf8', maxWaitMs: 100 });
    await check.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: 'earliest' as const })));
    const total = ends.reduce((n, e) => n + e.offset, 0);
    let got = 0;
    // Bounded: a read-back that stalls is a finding to report, not a hang of the run.
    const progress = (): string => finalLogs.map((log, p) => `p${p} ${log.size}/${ends[p]?.offset ?? '?'}`).join(', ');
    let finalReadTimedOut = false;
    const deadline = setTimeout(() => { finalReadTimedOut = true; void check.close(); }, FINAL_READ_MS_MAX);
    const ticker = setInterval(() => process.stderr.write(`final read: ${progress()}\n`), 5_000);
    try {
      if (total > 0) {
        for await (const r of check) {
          if (!finalLogs[r.partition]!.has(r.offset)) got++;
          finalLogs[r.partition]!.set(r.offset, r.value!);
          if (got >= total) break;
        }
      }
    } catch (err) {
      if (!finalReadTimedOut) throw err;
    } finally {
      clearTimeout(deadline);
      clearInterval(ticker);
    }
    await check.close();
    if (finalReadTimedOut) throw new Error(`final read-back stalled after ${FINAL_READ_MS_MAX} ms: ${progress()}`);
    reading = false;
    await Promise.race([tail, sleep(2_000)]);
    await consumer.close().catch(() => undefined);

    let lost = 0;
    const lostExamples: unknown[] = [];
    for (const [value, { partition, offset }] of acked) {
      if (finalLogs[partition]!.get(offset) === value) continue;
      lost++;
      if (lostExamples.length < 10) lostExamples.push({ value, partition, offset, finalHolds: finalLogs[partition]!.get(offset) ?? null });
    }
    const counts = new Map<string, number>();
    for (const log of finalLogs) for (const v of log.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
    let duplicated = 0;
    for (const n of counts.values()) if (n > 1) duplicated += n - 1;
    let reordered = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const offsetOf = new Map<string, number>();
      for (const [o, v] of finalLogs[p]!) offsetOf.set(v, o);
      let prev = -1;
      for (const v of sentOrder[p]!) {
        const o = offsetOf.get(v);
        if (o === undefined) continue;
        if (o < prev) reordered++;
        prev = Math.max(prev, o);
      }
      for (const [o, v] of seen[p]!) if (finalLogs[p]!.get(o) !== v) unstable++;
    }
    const sortedRec = [...recoveries].sort((a, b) => a - b);
    const report = {
      seed: SEED, faults: FAULTS, kinds: tally, acknowledged: acked.size, failedSends, consumerErrors, records: got,
      lost, duplicated, reordered, divergent, unstable, hwBack,
      recoveryMs: { p50: sortedRec[Math.floor(sortedRec.length / 2)], max: sortedRec.at(-1) },
      ...(lost > 0 ? { lostExamples, ends: ends.map((e) => e.offset), needed, finalSizes: finalLogs.map((l) => l.size), hwShort } : {}),
    };
    process.stderr.write(`long fault run: ${JSON.stringify(report)}\n`);
    expect({ lost, duplicated, reordered, divergent, unstable, hwBack }).toEqual({ lost: 0, duplicated: 0, reordered: 0, divergent: 0, unstable: 0, hwBack: 0 });
    await reader.close();
    await client.close();
  }, 60 * 60_000);
});
