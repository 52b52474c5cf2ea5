/**
 * A broker CHILD PROCESS run through the real CLI (`node dist/broker/cli/main.js broker start`),
 * for tests that kill it, corrupt its files and start it again on the same data directory.
 *
 * Unlike test/helpers/cli.ts this keeps every log line the broker printed (pino JSON on
 * stderr, parsed), so a test can assert what recovery did ("truncating log at the first invalid
 * batch", `cleanShutdown: true`...), and it exposes the pid for memory readings.
 *
 * Lifecycle: `startBroker(dataDir, args)` resolves once the ready line names the ws:// URL;
 * `kill()` is SIGKILL (a crash), `stop()` is SIGTERM (graceful), both resolve on exit. A child
 * that exits before it is ready rejects with its stderr and last log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../../dist/broker/cli/main.js', import.meta.url));

/** Longest a broker child may take to print its ready line (recovery included). */
export const BROKER_READY_MS_MAX = 20_000;
/** Longest a SIGTERM'ed broker may take to exit before the test calls it hung. */
export const BROKER_STOP_MS_MAX = 40_000;
/** Log lines kept per process; a broker printing more than this in a test is itself a bug. */
const LOG_LINES_MAX = 20_000;

/** One parsed pino line. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface BrokerChild {
  readonly url: string;
  readonly dataDir: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Every JSON log line so far (stdout), in order. */
  readonly logs: LogLine[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Log lines whose msg contains `text`. */
  find(text: string): LogLine[];
  /** Resident set size of the process in bytes (Linux /proc). */
  rssBytes(): Promise<number>;
}

export interface StartOptions {
  /** Extra CLI flags, e.g. ['--segment-bytes', '4096']. */
  args?: readonly string[];
  /** Environment additions (e.g. NODE_OPTIONS for a fault-injection preload). */
  env?: Readonly<Record<string, string>>;
  /** @default 'always' */
  flush?: 'always' | 'interval' | 'never';
  /** @default 'info' (lifecycle and recovery lines are what the tests read) */
  logLevel?: string;
  /** Called with the child as soon as it is spawned (to kill it in the middle of start-up). */
  onSpawn?: (child: ChildProcess) => void;
}

export async function startBroker(dataDir: string, opts: StartOptions = {}): Promise<BrokerChild> {
  const args = [
    CLI_PATH, 'broker', 'start', '--data-dir', dataDir, '--port', '0', '--kafka-listen', 'off',
    '--flush', opts.flush ?? 'always', '--log-level', opts.logLevel ?? 'info', ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  opts.onSpawn?.(child);
  const logs: LogLine[] = [];
  let stderr = '';
  let partial = '';
  let onUrl: ((url: string) => void) | null = null;
  // pino writes JSON lines to stderr (asynchronously); the ready line goes to stdout.
  child.stderr!.on('data', (d: Buffer) => {
    partial += d.toString();
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (line.startsWith('{')) {
        try {
          if (logs.length < LOG_LINES_MAX) logs.push(JSON.parse(line) as LogLine);
          continue;
        } catch {
          // A line cut by the kill: keep it as text below.
        }
      }
      if (stderr.length < 64 * 1024) stderr += line + '\n';
    }
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const match = /ws:\/\/\S+/.exec(out);
    if (match && onUrl) {
      onUrl(match[0]);
      onUrl = null;
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start within ${BROKER_READY_MS_MAX} ms: ${stderr}`));
    }, BROKER_READY_MS_MAX);
    onUrl = (u) => {
      clearTimeout(timer);
      resolve(u);
    };
    void exited.then((code) => {
      clearTimeout(timer);
      const tail = logs.slice(-5).map((l) => JSON.stringify(l)).join('\n');
      reject(new Error(`broker exited with ${code} before it was ready\n${stderr}\n${tail}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    dataDir,
    pid,
    child,
    logs,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), BROKER_STOP_MS_MAX);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    find(text: string) {
      return logs.filter((l) => typeof l.msg === 'string' && l.msg.includes(text));
    },
    async rssBytes() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) * 1024 : 0;
    },
  };
}

/** Waits until `pred` holds, polling every `stepMs`, or throws after `timeoutMs`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
