/**
 * The one harness every Kafka-client test imports: a real broker process (the CLI) with its
 * Kafka listener on 127.0.0.1 port 0, kcat runs with a timeout, and kafkajs clients that log
 * nothing unless asked.
 */
import { spawn } from 'node:child_process';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { compressFrameSync as lz4Compress, decompressFrameSync as lz4Decompress } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

/** Longest one kcat run may take in a test. */
const KCAT_MS_MAX = 30_000;

export interface KafkaBroker extends BrokerProcess {
  /** host:port of the Kafka listener. */
  readonly bootstrap: string;
  /** Stops the broker and removes its data directory. */
  close(): Promise<void>;
}

export async function startKafkaBroker(args: string[] = [], dataDir?: string): Promise<KafkaBroker> {
  const b = await startBrokerProcess(['--kafka-listen', '127.0.0.1:0', ...args], dataDir);
  if (!b.kafka) {
    await b.kill();
    throw new Error('broker did not report a Kafka listener');
  }
  return {
    ...b,
    bootstrap: b.kafka,
    async close() {
      await b.stop();
      await removeDir(b.dataDir);
    },
  };
}

/**
 * kafkajs ships gzip only and takes the other codecs from its users (kafkajs-snappy, kafkajs-lz4,
 * @kafkajs/zstd wrap these same libraries). Registered straight from the libraries rather than
 * from Strata's proto/compression.ts, so the broker meets framing it did not write: raw snappy
 * (what kafkajs-snappy and librdkafka send; Java sends xerial), LZ4 frames, zstd frames.
 */
export async function registerKafkajsCodecs(): Promise<void> {
  await zstdInit();
  const codec = (compress: (b: Buffer) => Uint8Array, decompress: (b: Buffer) => Uint8Array) => () => ({
    compress: async (encoder: { buffer: Buffer }) => Buffer.from(compress(encoder.buffer)),
    decompress: async (buffer: Buffer) => Buffer.from(decompress(buffer)),
  });
  const codecs = CompressionCodecs as Record<number, () => unknown>;
  codecs[CompressionTypes.Snappy] = codec((b) => snappyCompress(b), (b) => snappyUncompress(b, { asBuffer: true }) as Buffer);
  codecs[CompressionTypes.LZ4] = codec((b) => lz4Compress(b), (b) => lz4Decompress(b));
  codecs[CompressionTypes.ZSTD] = codec((b) => zstdCompress(b, 3), (b) => zstdDecompress(b));
}

export interface KcatResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kcat against `bootstrap`, feeding `input` on stdin. */
export function kcat(bootstrap: string, args: string[], input?: string | Buffer, timeoutMs = KCAT_MS_MAX): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', bootstrap, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** A kafkajs client for `bootstrap`, quiet and with short retries so failures surface fast. */
export function kafkajs(bootstrap: string, config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'strata-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 }, ...config,
  });
}

export interface KcatProcess {
  /** stdout so far. */
  output(): string;
  /** Resolves once stdout has at least `lines` lines (rejects after `timeoutMs`). */
  waitForLines(lines: number, timeoutMs?: number): Promise<void>;
  /** SIGTERM (kcat commits and leaves its group on it) and wait for exit. */
  stop(): Promise<number | null>;
}

/** A long-running kcat (a group member, say); stop() it in the test. */
export function kcatProcess(bootstrap: string, args: string[]): KcatProcess {
  const child = spawn('kcat', ['-b', bootstrap, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => out,
    async waitForLines(lines, timeoutMs = KCAT_MS_MAX) {
      const deadline = Date.now() + timeoutMs;
      while (out.split('\n').filter((l) => l !== '').length < lines) {
        if (child.exitCode !== null) throw new Error(`kcat exited ${child.exitCode}: ${err.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`kcat printed ${out.split('\n').length - 1} of ${lines} lines; stderr: ${err.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `check` every 50 ms until it returns true (rejects after `timeoutMs`). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
