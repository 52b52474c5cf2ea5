/**
 * The README's "Kafka clients" examples, as a user would copy them: the kcat lines (minus the
 * broker start, which the test does itself, and the never-ending group member) and the kafkajs
 * script, against a broker process whose Kafka listener replaces 127.0.0.1:9092.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH } from '../../helpers/cli.js';
import { startKafkaBroker, type KafkaBroker } from '../kafka/harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = `${ROOT}test/.readme-kafka-example.mjs`;

async function section(): Promise<string> {
  const readme = await readFile(`${ROOT}README.md`, 'utf8');
  const start = readme.indexOf('## Kafka clients');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

function block(text: string, lang: string): string {
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text);
  if (!match) throw new Error(`no \`\`\`${lang} block under "Kafka clients"`);
  return match[1]!;
}

describe('the README Kafka examples', () => {
  let broker: KafkaBroker;

  beforeAll(async () => {
    broker = await startKafkaBroker();
  });

  afterAll(async () => {
    await broker?.close();
    await rm(SCRIPT, { force: true });
  });

  it('kcat lines run as written and show the records, the topic and the SDK reading them', async () => {
    const lines = block(await section(), 'sh').split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('npx strata broker start') && !l.includes(' -G '));
    const script = lines.join('\n')
      .replaceAll('127.0.0.1:9092', broker.bootstrap)
      .replaceAll('npx strata', `${process.execPath} ${CLI_PATH}`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: ROOT, timeout: 30_000, env: { ...process.env, STRATA_BROKER: broker.url },
    });
    expect(stdout).toMatch(/^user-1 ordered 3 books source=shop$/m);
    expect(stdout).toMatch(/^user-2 ordered a lamp source=shop$/m);
    expect(stdout).toContain('topic "orders" with 3 partitions');
    expect(stdout).toMatch(/^ordered 3 books$/m);
  });

  it('the kafkajs script runs as written and prints the record it produced', async () => {
    await writeFile(SCRIPT, block(await section(), 'js').replaceAll('127.0.0.1:9092', broker.bootstrap));
    const { stdout } = await run(process.execPath, [SCRIPT], { cwd: ROOT, timeout: 30_000 });
    expect(stdout).toMatch(/^partition \d offset 0: user-7 paid 12 EUR$/m);
  });
});
