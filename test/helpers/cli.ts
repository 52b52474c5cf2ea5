/**
 * Runs the compiled `strata` CLI (dist/, built by `npm test`'s pretest step) as child
 * processes: a broker on 127.0.0.1 port 0 in a temp dir, and one-shot commands against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../dist/broker/cli/main.js', import.meta.url));

/** Longest a broker child may take to print its ready line. */
const BROKER_READY_MS_MAX = 15_000;
/** Longest a one-shot CLI command may run in a test. */
const COMMAND_MS_MAX = 30_000;

export interface BrokerProcess {
  url: string;
  /** host:port of the Kafka listener; null unless started with --kafka-listen. */
  kafka: string | null;
  dataDir: string;
  child: ChildProcess;
  /** What the broker wrote to stderr so far (its log, at --log-level warn unless args say otherwise). */
  stderr(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/**
 * Starts `strata broker start` on port 0; `dataDir` defaults to a fresh temp dir. The Kafka
 * listener is off unless `args` has --kafka-listen (its default port, 9092, would collide
 * between tests running side by side).
 */
export async function startBrokerProcess(args: string[] = [], dataDir?: string): Promise<BrokerProcess> {
  const dir = dataDir ?? await mkdtemp(join(tmpdir(), 'strata-cli-'));
  if (dataDir === undefined) createdDirs.add(dir);
  const kafkaArgs = args.includes('--kafka-listen') ? [] : ['--kafka-listen', 'off'];
  const child = spawn(process.execPath, [CLI_PATH, 'broker', 'start', '--data-dir', dir, '--port', '0', '--log-level', 'warn', ...kafkaArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  // STRATA_TEST_BROKER_LOGS=<dir>: each broker's stderr (its log) also goes to <dir>/<pid>.log, to debug a failing test.
  if (process.env.STRATA_TEST_BROKER_LOGS) child.stderr!.pipe(createWriteStream(join(process.env.STRATA_TEST_BROKER_LOGS, `broker-${child.pid}.log`)));
  let kafka: string | null = null;
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    // A broker that misses its deadline is killed: the caller never gets a handle to stop it by.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start within ${BROKER_READY_MS_MAX} ms: ${stderr}`));
    }, BROKER_READY_MS_MAX);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /wss?:\/\/[^\s]+/.exec(out);
      if (match && out.includes('\n')) {
        kafka = /kafka:\/\/(\S+)/.exec(out)?.[1] ?? null;
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    url,
    kafka,
    dataDir: dir,
    child,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion, feeding `input` on stdin. */
export function runCli(args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`strata ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, COMMAND_MS_MAX);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  createdDirs.delete(dir);
}

// What startBrokerProcess made, so a test file that times out, throws in a hook or forgets a
// removeDir still leaves no broker running and no temp dir behind (see process-cleanup.ts).
const liveChildren = new Set<ChildProcess>();
const createdDirs = new Set<string>();

/**
 * Kills the brokers startBrokerProcess started that are still running and removes the data
 * dirs it created. Runs after every test file; returns what it had to clean, for the log.
 */
export async function cleanUpBrokerProcesses(): Promise<{ killed: number; removed: string[] }> {
  const children = [...liveChildren];
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
  const removed = [...createdDirs];
  await Promise.all(removed.map((dir) => rm(dir, { recursive: true, force: true })));
  createdDirs.clear();
  return { killed: children.length, removed };
}
