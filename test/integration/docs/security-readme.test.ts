/**
 * The README's "A minimal secure setup", as a user would copy it: the openssl and bootstrap lines
 * in a fresh directory, the broker start (by the harness, with the README's flags, on OS-picked
 * ports), then every later line as written, with the broker's wss:// and Kafka addresses
 * substituted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START_LINE = 'npx strata broker start --data-dir ./data --auth scram --super-users admin --tls-cert broker.pem --tls-key broker.key &';

async function setupBlock(): Promise<string> {
  const readme = await readFile(`${ROOT}README.md`, 'utf8');
  const start = readme.indexOf('### A minimal secure setup');
  const match = /```bash\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!match) throw new Error('no ```bash block under "A minimal secure setup"');
  return match[1]!;
}

describe('the README security setup', () => {
  let broker: BrokerProcess | null = null;
  let dir = '';
  afterAll(async () => {
    await broker?.stop();
    if (dir) await removeDir(dir);
  });

  it('runs as written: certificates, admin bootstrap, broker over TLS, user, topic, ACLs, and alice over both listeners', async () => {
    const text = (await setupBlock()).replace(/\\\n\s*/g, '');
    const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    const startAt = lines.indexOf(START_LINE);
    expect(startAt).toBeGreaterThan(0);
    const cli = (s: string) => s.replaceAll('npx strata', `${process.execPath} ${CLI_PATH}`);
    dir = await mkdtemp(join(tmpdir(), 'strata-sec-readme-'));
    await run('bash', ['-euo', 'pipefail', '-c', cli(lines.slice(0, startAt).join('\n'))], { cwd: dir, timeout: 30_000 });
    broker = await startBrokerProcess(['--auth', 'scram', '--super-users', 'admin', '--tls-cert', join(dir, 'broker.pem'),
      '--tls-key', join(dir, 'broker.key'), '--kafka-listen', '127.0.0.1:0'], join(dir, 'data'));
    expect(broker.url).toMatch(/^wss:\/\//);
    const rest = cli(lines.slice(startAt + 1).join('\n')).replaceAll('wss://127.0.0.1:7171', broker.url).replaceAll('127.0.0.1:9092', broker.kafka!);
    // Not -e: one line is meant to fail (alice may not create topics).
    const res = await run('bash', ['-uo', 'pipefail', '-c', `${rest}\n`], {
      cwd: dir, timeout: 60_000, env: { ...process.env, STRATA_BROKER: broker.url },
    }).catch((err: { stdout: string; stderr: string }) => err);
    expect(res.stderr).toContain('created user alice (SCRAM-SHA-512, 4096 iterations)');
    expect(res.stderr).toContain('added 2 ACLs');
    expect(res.stdout).toMatch(/^User:alice\s+allow\s+read\s+group\s+literal\s+billing$/m);
    expect(res.stderr).toContain('produced 1 record(s) to orders');
    expect(res.stderr).toContain('strata: TopicAuthorizationFailedError: User:alice may not create topic mine');
    // The consumer group read and kcat both print the record.
    expect(res.stdout.match(/^paid$/gm)?.length).toBe(2);
  }, 120_000);
});
