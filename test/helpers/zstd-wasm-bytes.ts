// Stands in for the `strata:zstd-wasm` module that scripts/build-browser.mjs inlines into the
// browser bundle, so that tests can load platform/browser.ts on Node.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const entry = createRequire(import.meta.url).resolve('@bokuweb/zstd-wasm');
export default new Uint8Array(readFileSync(join(dirname(entry), 'zstd.wasm')));
