/**
 * Reading /metrics in tests: the real Prometheus parser and linter (`promtool check metrics`,
 * Debian's prometheus package), and sample lookup by name and labels.
 */
import { spawn } from 'node:child_process';

/** Longest promtool may take on one scrape. */
const PROMTOOL_MS_MAX = 20_000;

export interface PromtoolResult {
  readonly code: number | null;
  /** Every line promtool printed (lint complaints, parse errors). */
  readonly lines: string[];
}

/** `promtool check metrics` on `text`. */
export function promtoolCheck(text: string): Promise<PromtoolResult> {
  return promtool(['check', 'metrics'], text);
}

/** Runs promtool with `args`, feeding `stdin`. */
export function promtool(args: string[], stdin = ''): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('promtool timed out')); }, PROMTOOL_MS_MAX);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, lines: out.split('\n').filter((l) => l.trim() !== '') });
    });
    child.stdin.end(stdin);
  });
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of an exposition (promtool has checked its syntax; this only reads it). */
export function samplesOf(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unreadable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value;
}
