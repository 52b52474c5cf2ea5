// Finishes `npm run build` after tsc: copies the generated protobuf codec (plain JS plus its
// .d.ts, which tsc does not emit) into dist/, and makes the compiled CLI executable.
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist', 'proto', 'gen'), { recursive: true });
for (const file of ['strata.js', 'strata.d.ts']) {
  copyFileSync(join(root, 'proto', 'gen', file), join(root, 'dist', 'proto', 'gen', file));
}
const cli = join(root, 'dist', 'broker', 'cli', 'main.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
