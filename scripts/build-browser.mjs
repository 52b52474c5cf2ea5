// Bundles the SDK for browsers into dist/browser/strata.js (one ES module), after tsc has
// written dist/. esbuild (a devDependency) resolves `#platform` through package.json's
// "imports" with the `browser` condition, so the bundle holds platform/browser.js and none of
// the Node codecs, `ws` or node:* modules; a build that pulls one in fails here.
//
// The zstd WebAssembly binary is inlined (the `strata:zstd-wasm` module) so that the bundle is
// one file a page can import from anywhere, with no second request to resolve relative to it.
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Inlines the zstd binary as a Uint8Array default export. */
const zstdWasm = {
  name: 'strata-zstd-wasm',
  setup(b) {
    b.onResolve({ filter: /^strata:zstd-wasm$/ }, () => ({ path: 'zstd.wasm', namespace: 'strata-zstd-wasm' }));
    b.onLoad({ filter: /.*/, namespace: 'strata-zstd-wasm' }, () => ({
      contents: readFileSync(join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'zstd.wasm')),
      loader: 'binary',
    }));
  },
};

/** Node built-ins must never reach the browser bundle: name the importer when one does. */
const noNodeBuiltins = {
  name: 'strata-no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:|ws$|fs$|path$|zlib$|module$|crypto$|net$|stream$)/ }, (args) => ({
      errors: [{ text: `${args.path} imported by ${args.importer}: the browser bundle must not use Node modules` }],
    }));
  },
};

/** Options shared with the console's build (scripts/build-console.mjs). */
export const browserBuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['browser'],
  // Top-level await (the zstd module's compile) needs es2022: Chromium 89+, Firefox 89+, Safari 15+.
  target: 'es2022',
  plugins: [zstdWasm, noNodeBuiltins],
  logLevel: 'warning',
  legalComments: 'linked',
};

export async function buildBrowserSdk() {
  const outfile = join(root, 'dist', 'browser', 'strata.js');
  await build({
    ...browserBuildOptions,
    entryPoints: [join(root, 'dist', 'client', 'index.js')],
    outfile,
    sourcemap: true,
    minify: true,
  });
  return { outfile, bytes: statSync(outfile).size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile, bytes } = await buildBrowserSdk();
  console.log(`browser SDK: ${outfile.slice(root.length + 1)} (${(bytes / 1024).toFixed(0)} KiB)`);
}
