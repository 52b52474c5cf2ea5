// Builds the web console (sources in broker/console/) into dist/console/: index.html, and
// assets/console.js + assets/console.css, which the broker serves at / and /assets/*
// (broker/http/console-files.ts). esbuild bundles preact, htm, uPlot and the browser SDK
// (imported as 'strata', resolved to the compiled SDK with the browser condition, the way a
// user's bundler would) into one ES module; runs after tsc.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserBuildOptions } from './build-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'broker', 'console');
const out = join(root, 'dist', 'console');

export async function buildConsole() {
  mkdirSync(join(out, 'assets'), { recursive: true });
  await build({
    ...browserBuildOptions,
    entryPoints: { console: join(src, 'main.js') },
    outdir: join(out, 'assets'),
    alias: { strata: join(root, 'dist', 'client', 'index.js') },
    minify: true,
    sourcemap: true,
  });
  await build({
    entryPoints: { console: join(src, 'style.css') },
    bundle: true,
    outdir: join(out, 'assets'),
    minify: true,
    logLevel: 'warning',
    // uPlot's own stylesheet is pulled in from style.css.
  });
  copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
  return { js: statSync(join(out, 'assets', 'console.js')).size, css: statSync(join(out, 'assets', 'console.css')).size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { js, css } = await buildConsole();
  console.log(`console: dist/console/ (console.js ${(js / 1024).toFixed(0)} KiB, console.css ${(css / 1024).toFixed(0)} KiB)`);
}
