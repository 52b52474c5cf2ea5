import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the package, so `import ... from 'strata'` resolves to this package (self-reference).
const SCRIPT = `${ROOT}test/.readme-example.mjs`;

/** The README's SDK example, exactly as a user would copy it. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(`${ROOT}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## Using the SDK'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README has no ```ts block under "Using the SDK"');
  return match[1]!;
}

describe('the README', () => {
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startBrokerProcess();
  });

  afterAll(async () => {
    await broker?.stop();
    await removeDir(broker.dataDir);
    await rm(SCRIPT, { force: true });
  });

  it('SDK example runs as written and prints the record it produced', async () => {
    const code = (await readmeExample()).replaceAll('ws://127.0.0.1:7171', broker.url);
    await writeFile(SCRIPT, code);
    const { stdout } = await run(process.execPath, [SCRIPT], { cwd: ROOT, timeout: 20_000 });
    expect(stdout).toMatch(/written to partition \d+ at offset 0/);
    expect(stdout).toMatch(/^0 user-7 ordered 3 books$/m);
  });
});
