#!/usr/bin/env node
// Sums self time per function and per file from V8 .cpuprofile files (`node --cpu-prof`), so a
// profile can be read without DevTools and quoted in notes.
//
//   node scripts/cpuprofile-top.mjs [--top N] [--last-seconds S] FILE.cpuprofile...
//
// --last-seconds keeps only the samples of the profile's last S seconds: a benchmark's broker is
// profiled for its whole life, and this cuts away the fill or warm-up that came before the part
// being measured.
// Self time of a node = the sampling intervals (timeDeltas) of the samples that landed in it.
// "(idle)" is the event loop waiting in epoll; percentages are of the busy (non-idle) time.
// Native functions without a script (writev, fdatasync, read, writeBuffers) include time the
// thread spent descheduled inside them, which on a loaded 2-core box is mostly wake-up cost.
import { readFileSync } from 'node:fs';

const TOP_DEFAULT = 25;

const args = process.argv.slice(2);
let top = TOP_DEFAULT;
let lastSeconds = Infinity;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--last-seconds') lastSeconds = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0 || !Number.isInteger(top) || top < 1 || !(lastSeconds > 0)) {
  process.stderr.write('usage: node scripts/cpuprofile-top.mjs [--top N] [--last-seconds S] FILE.cpuprofile...\n');
  process.exit(2);
}

/** file:///work/main/dist/client/x.js → dist/client/x.js; node_modules paths likewise. */
function shortUrl(url) {
  if (!url) return '';
  return url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
}

function printTop(title, map, busyUs) {
  console.log(`  ${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`    ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${key}`);
  }
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // Samples are in time order; find the first one inside the window.
  let first = 0;
  if (Number.isFinite(lastSeconds)) {
    let fromEndUs = 0;
    for (first = profile.samples.length; first > 0 && fromEndUs < lastSeconds * 1e6; first--) fromEndUs += profile.timeDeltas[first - 1] ?? 0;
  }
  for (let i = first; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map();
  const byFile = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = shortUrl(url);
    const fn = `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const fileKey = where || functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled, ${(busyUs / 1e6).toFixed(2)} s busy `
    + `(${((100 * busyUs) / totalUs).toFixed(0)}%), ${(idleUs / 1e6).toFixed(2)} s idle`);
  printTop('self time by function (% of busy)', byFunction, busyUs);
  printTop('self time by file (% of busy)', byFile, busyUs);
}
