// Generates the static protobuf codec (proto/gen/strata.js + .d.ts) from proto/strata.proto.
// Static code is used instead of runtime reflection because it is faster on the hot path and
// gives the TypeScript layer real message types.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules', '.bin');
const out = join(root, 'proto', 'gen');
mkdirSync(out, { recursive: true });
execFileSync(join(bin, 'pbjs'), ['-t', 'static-module', '-w', 'es6', '--force-number', '--no-verify',
  '--no-delimited', '--no-convert', '-o', join(out, 'strata.js'), join(root, 'proto', 'strata.proto')], { stdio: 'inherit' });
execFileSync(join(bin, 'pbts'), ['-o', join(out, 'strata.d.ts'), join(out, 'strata.js')], { stdio: 'inherit' });
