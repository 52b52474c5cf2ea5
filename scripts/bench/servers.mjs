// Starts the three servers the comparison runs against, each on 127.0.0.1, on a free port, in a
// fresh temp data dir, as a child of this process, and configured for one of two durability
// levels:
//
//   'always'   — fsync before ack: Redis `appendfsync always`, NATS `sync_interval: always`
//                (nats-server >= 2.10 only), Strata `--flush always`.
//   'interval' — fsync on a timer: Redis `appendfsync everysec`, NATS `sync_interval: 1s` when the
//                server knows the option, else its built-in 2-minute sync, Strata
//                `--flush interval --flush-interval-ms 1000`.
//
// A server that cannot provide a level returns `{ unavailable: reason }` instead of pretending.

import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort, makeTempDir, removeDir, startChild, stopChild, waitForLine, waitForPort,
} from './processes.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STRATA_CLI = path.join(REPO_ROOT, 'dist', 'broker', 'cli', 'main.js');
/** Strata's interval flush period, equal to Redis everysec so the levels compare. */
const STRATA_FLUSH_INTERVAL_MS = 1_000;

/** @typedef {'always' | 'interval'} Durability */

function versionOf(cmd, args, re) {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return re.exec(out)?.[1] ?? out.trim();
  } catch {
    return undefined;
  }
}

export function natsVersion() { return versionOf('nats-server', ['--version'], /v?(\d+\.\d+\.\d+)/); }
export function redisVersion() { return versionOf('redis-server', ['--version'], /v=(\S+)/); }

let syncIntervalSupport;
/**
 * Whether this nats-server accepts `jetstream { sync_interval }` (added in 2.10). Probed with
 * `nats-server -t` (test the config and exit) rather than guessed from the version string.
 */
export async function natsSupportsSyncInterval() {
  if (syncIntervalSupport !== undefined) return syncIntervalSupport;
  const dir = await makeTempDir('nats-probe');
  try {
    const conf = path.join(dir, 'probe.conf');
    await fsp.writeFile(conf, `jetstream { store_dir: "${dir}", sync_interval: always }\n`);
    try {
      execFileSync('nats-server', ['-c', conf, '-t'], { stdio: ['ignore', 'pipe', 'pipe'] });
      syncIntervalSupport = true;
    } catch (err) {
      const text = `${err.stdout ?? ''}${err.stderr ?? ''}`;
      if (!/sync_interval/.test(text)) throw new Error(`nats-server config probe failed: ${text}`);
      syncIntervalSupport = false;
    }
  } finally {
    await removeDir(dir);
  }
  return syncIntervalSupport;
}

/** @param {Durability} durability */
export async function natsSetup(durability) {
  const supported = await natsSupportsSyncInterval();
  if (durability === 'always' && !supported) {
    return {
      unavailable: `nats-server ${natsVersion()} has no jetstream sync_interval option (needs >= 2.10); it cannot fsync before ack`,
    };
  }
  const note = supported
    ? `sync_interval: ${durability === 'always' ? 'always' : '1s'}`
    : `built-in 2 min sync (nats-server ${natsVersion()} has no sync_interval)`;
  return {
    note,
    async start() {
      const dir = await makeTempDir('nats');
      const port = await freePort();
      const sync = supported ? `, sync_interval: ${durability === 'always' ? 'always' : '1s'}` : '';
      const conf = path.join(dir, 'nats.conf');
      await fsp.writeFile(conf, [
        'listen: 127.0.0.1:' + port,
        `jetstream { store_dir: "${path.join(dir, 'js')}"${sync} }`,
        '',
      ].join('\n'));
      const entry = startChild('nats-server', 'nats-server', ['-c', conf], { dirs: [dir] });
      await waitForPort(entry, port);
      return { url: `nats://127.0.0.1:${port}`, stop: () => stopChild(entry) };
    },
  };
}

/** @param {Durability} durability */
export async function redisSetup(durability) {
  const appendfsync = durability === 'always' ? 'always' : 'everysec';
  return {
    note: `AOF appendfsync ${appendfsync}, no RDB, no auto AOF rewrite`,
    async start() {
      const dir = await makeTempDir('redis');
      const port = await freePort();
      const entry = startChild('redis-server', 'redis-server', [
        '--bind', '127.0.0.1', '--port', String(port), '--dir', dir,
        '--daemonize', 'no', '--protected-mode', 'no',
        '--appendonly', 'yes', '--appendfsync', appendfsync,
        // Pure-AOF persistence: RDB snapshots and automatic AOF rewrites fork a child that would
        // compete for the 2 cores mid-run; turning them off gives Redis its best shot.
        '--save', '', '--auto-aof-rewrite-percentage', '0',
      ], { dirs: [dir] });
      await waitForPort(entry, port);
      return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(entry) };
    },
  };
}

/** @param {Durability} durability */
export async function strataSetup(durability) {
  try {
    await fsp.access(STRATA_CLI);
  } catch {
    return { unavailable: `${path.relative(REPO_ROOT, STRATA_CLI)} not built (run npm run build)` };
  }
  const flushArgs = durability === 'always'
    ? ['--flush', 'always']
    : ['--flush', 'interval', '--flush-interval-ms', String(STRATA_FLUSH_INTERVAL_MS)];
  return {
    note: durability === 'always' ? 'flush always, acks=all' : `flush interval ${STRATA_FLUSH_INTERVAL_MS} ms, acks=all`,
    async start() {
      const dir = await makeTempDir('strata');
      const port = await freePort();
      const entry = startChild('strata broker', process.execPath, [
        STRATA_CLI, 'broker', 'start', '--data-dir', dir, '--port', String(port),
        '--host', '127.0.0.1', ...flushArgs,
      ], { dirs: [dir] });
      const [url] = await waitForLine(entry, /wss?:\/\/[^\s"']+/);
      return { url, stop: () => stopChild(entry) };
    },
  };
}
