/**
 * A real etcd (the `etcd` binary from Debian's etcd-server, 3.4) for cluster tests: one member,
 * or three forming one cluster, on loopback ports picked by the OS, data in a temp dir, every
 * process stopped by its PID.
 *
 *   const etcd = await startEtcd({ members: 3 });
 *   etcd.url            // 'etcd://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3' for --cluster
 *   await etcd.kill(1)  // SIGKILL member 1; etcd.restart(1) brings it back on its data dir
 *   await etcd.leaderIndex()
 *   await etcd.stop()   // every member, then the temp dir
 *
 * Timings: heartbeat 100 ms, election 1000 ms (etcd's defaults); `--snapshot-count` low so a
 * long run also exercises snapshots; unsafe-no-fsync is NOT set: the tests run etcd as it runs
 * for real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-port.js';

export const ETCD_BINARY = process.env.STRATA_ETCD_BINARY ?? 'etcd';
/** Longest a member (or the cluster) may take to serve its first request. */
const ETCD_READY_MS_MAX = 20_000;
const ETCD_LOG_BYTES_MAX = 256 * 1024;

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  log: string;
}

export interface EtcdCluster {
  /** For `--cluster`: etcd://host:port,... */
  readonly url: string;
  /** http://127.0.0.1:P per member, for clients. */
  readonly clientUrls: readonly string[];
  readonly members: number;
  pid(i: number): number | null;
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  /** SIGSTOP / SIGCONT member i. */
  pause(i: number): void;
  resume(i: number): void;
  /** Index of the member that is raft leader now (asks each live member). */
  leaderIndex(): Promise<number>;
  stop(): Promise<void>;
  logs(i: number): string;
}

export async function startEtcd(opts: { members?: 1 | 3 } = {}): Promise<EtcdCluster> {
  const n = opts.members ?? 1;
  const root = await mkdtemp(join(tmpdir(), 'strata-etcd-'));
  for (let attempt = 0; ; attempt++) {
    const ports = await freePorts(n * 2);
    const members: Member[] = Array.from({ length: n }, (_, i) => ({
      name: `m${i}`, clientPort: ports[i * 2]!, peerPort: ports[i * 2 + 1]!, dataDir: join(root, `m${i}-${attempt}`),
      child: null, exited: Promise.resolve(), log: '',
    }));
    const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
    for (const m of members) launch(m, initialCluster, 'new');
    try {
      await waitReady(members);
      return handle(members, initialCluster, root);
    } catch (err) {
      for (const m of members) m.child?.kill('SIGKILL');
      await Promise.all(members.map((m) => m.exited));
      // A port taken between the probe and etcd's bind: try new ports once or twice.
      if (attempt >= 2 || !members.some((m) => /address already in use/.test(m.log))) {
        await rm(root, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

function launch(m: Member, initialCluster: string, state: 'new' | 'existing'): void {
  const args = [
    '--name', m.name, '--data-dir', m.dataDir,
    '--listen-client-urls', `http://127.0.0.1:${m.clientPort}`, '--advertise-client-urls', `http://127.0.0.1:${m.clientPort}`,
    '--listen-peer-urls', `http://127.0.0.1:${m.peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peerPort}`,
    '--initial-cluster', initialCluster, '--initial-cluster-state', state, '--initial-cluster-token', 'strata-test',
    '--snapshot-count', '10000', '--log-level', 'warn', '--logger', 'zap',
  ];
  const child = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  m.child = child;
  m.log = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (m.log.length < ETCD_LOG_BYTES_MAX) m.log += d.toString();
  });
  m.exited = new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      m.log += `spawn failed: ${err.message} (is etcd-server installed? .ci/run installs it)\n`;
      resolve();
    });
  });
}

async function health(m: Member): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${m.clientPort}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = await res.json() as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

async function waitReady(members: Member[]): Promise<void> {
  const deadline = Date.now() + ETCD_READY_MS_MAX;
  for (;;) {
    const ok = await Promise.all(members.map((m) => (m.child && m.child.exitCode === null ? health(m) : false)));
    if (ok.every(Boolean)) return;
    if (members.some((m) => m.child?.exitCode !== null) || Date.now() > deadline) {
      throw new Error(`etcd did not become healthy:\n${members.map((m) => `${m.name}: ${m.log.slice(-2000)}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function handle(members: Member[], initialCluster: string, root: string): EtcdCluster {
  const alive = (m: Member): boolean => m.child !== null && m.child.exitCode === null && m.child.signalCode === null;
  return {
    url: `etcd://${members.map((m) => `127.0.0.1:${m.clientPort}`).join(',')}`,
    clientUrls: members.map((m) => `http://127.0.0.1:${m.clientPort}`),
    members: members.length,
    pid: (i) => (alive(members[i]!) ? members[i]!.child!.pid! : null),
    async kill(i) {
      const m = members[i]!;
      if (alive(m)) m.child!.kill('SIGKILL');
      await m.exited;
    },
    async restart(i) {
      const m = members[i]!;
      if (alive(m)) throw new Error(`etcd member ${i} is running`);
      launch(m, initialCluster, 'existing');
      await waitReady([m]);
    },
    pause(i) { members[i]!.child?.kill('SIGSTOP'); },
    resume(i) { members[i]!.child?.kill('SIGCONT'); },
    async leaderIndex() {
      for (const m of members) {
        if (!alive(m)) continue;
        try {
          const res = await fetch(`http://127.0.0.1:${m.clientPort}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
          const st = await res.json() as { header?: { member_id?: string }; leader?: string };
          if (st.leader && st.header?.member_id === st.leader) return members.indexOf(m);
        } catch {
          // not answering: ask the next one
        }
      }
      return -1;
    },
    async stop() {
      for (const m of members) {
        if (!alive(m)) continue;
        m.child!.kill('SIGCONT');
        m.child!.kill('SIGKILL');
      }
      await Promise.all(members.map((m) => m.exited));
      await rm(root, { recursive: true, force: true });
    },
    logs: (i) => members[i]!.log,
  };
}
