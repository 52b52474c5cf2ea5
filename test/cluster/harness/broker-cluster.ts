/**
 * A cluster of real broker processes for the process-level tests: one real etcd (harness/etcd.ts)
 * and N `strata broker start --node-id i --cluster etcd://...` children on loopback, ports picked
 * by the OS, each in its own temp data dir; kill -9, SIGSTOP/SIGCONT and restart (same data dir,
 * a new port) by PID. stop() ends every process and removes every dir.
 *
 *   const c = await startBrokerCluster({ brokers: 3 });
 *   c.url(1)          // broker 1's ws:// URL
 *   c.kafka(1)        // its Kafka listener (host:port) when started with args ['--kafka-listen', '127.0.0.1:0']
 *   await c.kill(1)   // SIGKILL
 *   await c.restart(1)
 *
 * With `proxied: true` every link a broker needs goes through a fault proxy of its own
 * (harness/fault-proxy.ts), so a test can partition one broker while clients still reach it:
 *   c.links(1).etcd         one proxy per etcd member, used by broker 1 only
 *   c.links(1).replication  in front of broker 1's listener, advertised to the other brokers as
 *                           its replication endpoint (--replication-advertise): every follower's
 *                           fetch from broker 1 goes through it; clients connect directly
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, runCli, startBrokerProcess, type BrokerProcess, type CommandResult } from '../../helpers/cli.js';
import { startEtcd, type EtcdCluster } from './etcd.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

export interface BrokerLinks {
  /** broker → etcd member i, for each member. */
  readonly etcd: readonly FaultProxy[];
  /** other brokers → this broker (replica fetches and epoch questions). */
  readonly replication: FaultProxy;
}

export interface BrokerCluster {
  readonly etcd: EtcdCluster;
  /** --cluster value (etcd URL with this cluster's prefix). */
  readonly clusterUrl: string;
  readonly ids: readonly number[];
  url(id: number): string;
  /** Broker id's Kafka listener, host:port (brokers started with `--kafka-listen`); throws when it has none. */
  kafka(id: number): string;
  /** Every live broker's Kafka listener, comma-separated (a Kafka bootstrap list). */
  kafkaBootstrap(): string;
  /** Every live broker's URL, comma-separated (a --broker / bootstrap list). */
  bootstrap(): string;
  dataDir(id: number): string;
  alive(id: number): boolean;
  kill(id: number): Promise<void>;
  pause(id: number): void;
  resume(id: number): void;
  /** Starts a stopped broker again on its data dir, with `args` added to this start's flags. */
  restart(id: number, args?: string[]): Promise<void>;
  cli(args: string[], input?: string): Promise<CommandResult>;
  /** The bytes of a replica's segment files, in base-offset order, concatenated. */
  segmentBytes(id: number, topic: string, partition: number): Promise<Buffer>;
  /** The broker's proxied links; throws unless started with `proxied: true`. */
  links(id: number): BrokerLinks;
  stop(): Promise<void>;
}

export interface BrokerClusterOptions {
  brokers?: number;
  /** Extra `broker start` flags for every broker. */
  args?: string[];
  /** Extra `broker start` flags for one broker (after `args`), e.g. its `--rack`. */
  argsFor?: (id: number) => string[];
  /** Route each broker's etcd links and its replication listener through fault proxies. @default false */
  proxied?: boolean;
  /** etcd members. @default 1 */
  etcdMembers?: 1 | 3;
}

let prefixSeq = 0;

export async function startBrokerCluster(opts: BrokerClusterOptions = {}): Promise<BrokerCluster> {
  const n = opts.brokers ?? 3;
  const etcd = await startEtcd({ members: opts.etcdMembers ?? 1 });
  const prefix = `/c${process.pid}x${++prefixSeq}`;
  const clusterUrl = `${etcd.url}${prefix}`;
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const dirs = new Map<number, string>();
  const procs = new Map<number, BrokerProcess | null>();
  const links = new Map<number, BrokerLinks>();
  const extra = opts.args ?? [];
  const launch = async (id: number, more: string[] = []): Promise<void> => {
    const l = links.get(id);
    const args = l
      ? ['--cluster', `etcd://${l.etcd.map((p) => `127.0.0.1:${p.port}`).join(',')}${prefix}`, '--replication-advertise', `ws://127.0.0.1:${l.replication.port}`]
      : ['--cluster', clusterUrl];
    const own = opts.argsFor?.(id) ?? [];
    const p = await startBrokerProcess(['--node-id', String(id), ...args, ...extra, ...own, ...more], dirs.get(id)!);
    l?.replication.retarget(Number(new URL(p.url).port));
    procs.set(id, p);
  };
  const launching: Promise<void>[] = [];
  const closeLinks = async (): Promise<void> => {
    for (const l of links.values()) await Promise.all([...l.etcd, l.replication].map((p) => p.close()));
  };
  try {
    for (const id of ids) dirs.set(id, await mkdtemp(join(tmpdir(), `strata-b${id}-`)));
    if (opts.proxied) {
      for (const id of ids) {
        const etcdProxies = await Promise.all(etcd.clientUrls.map((u) => startFaultProxy(Number(new URL(u).port))));
        links.set(id, { etcd: etcdProxies, replication: await startFaultProxy(null) });
      }
    }
    launching.push(...ids.map((id) => launch(id)));
    await Promise.all(launching);
  } catch (err) {
    // Brokers still starting when another failed are killed by their own ready deadline
    // (helpers/cli.ts); wait for those before the dirs go.
    await Promise.allSettled(launching);
    for (const p of procs.values()) await p?.kill().catch(() => undefined);
    for (const d of dirs.values()) await removeDir(d);
    await closeLinks();
    await etcd.stop();
    throw err;
  }
  const proc = (id: number): BrokerProcess => {
    const p = procs.get(id);
    if (!p) throw new Error(`broker ${id} is not running`);
    return p;
  };
  return {
    etcd, clusterUrl, ids,
    url: (id) => proc(id).url,
    kafka: (id) => {
      const k = proc(id).kafka;
      if (!k) throw new Error(`broker ${id} has no Kafka listener (start the cluster with --kafka-listen)`);
      return k;
    },
    kafkaBootstrap: () => ids.filter((id) => procs.get(id)).map((id) => proc(id).kafka).filter((k) => k !== null).join(','),
    bootstrap: () => ids.filter((id) => procs.get(id)).map((id) => proc(id).url).join(','),
    dataDir: (id) => dirs.get(id)!,
    alive: (id) => procs.get(id) !== null && procs.get(id) !== undefined,
    async kill(id) {
      await proc(id).kill();
      procs.set(id, null);
    },
    pause: (id) => { proc(id).child.kill('SIGSTOP'); },
    resume: (id) => { proc(id).child.kill('SIGCONT'); },
    async restart(id, more) {
      if (procs.get(id)) throw new Error(`broker ${id} is still running`);
      await launch(id, more);
    },
    cli(args, input) {
      return runCli([...args, '--broker', this.bootstrap()], input);
    },
    async segmentBytes(id, topic, partition) {
      const dir = join(dirs.get(id)!, `${topic}-${partition}`);
      const logs = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
      return Buffer.concat(await Promise.all(logs.map((f) => readFile(join(dir, f)))));
    },
    links(id) {
      const l = links.get(id);
      if (!l) throw new Error(`broker ${id} has no proxied links (start the cluster with proxied: true)`);
      return l;
    },
    async stop() {
      for (const [id, p] of procs) {
        if (!p) continue;
        p.child.kill('SIGCONT');
        await p.kill().catch(() => undefined);
        procs.set(id, null);
      }
      for (const d of dirs.values()) await removeDir(d);
      await closeLinks();
      await etcd.stop();
    },
  };
}
