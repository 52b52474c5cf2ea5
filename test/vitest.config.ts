import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { HeavyFirstSequencer } from './sequencer.js';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    alias: {
      // Tests import sources: the Node platform, and for the browser platform's own tests the
      // zstd binary that the browser bundle inlines.
      '#platform': fileURLToPath(new URL('../platform/node.ts', import.meta.url)),
      'strata:zstd-wasm': fileURLToPath(new URL('./helpers/zstd-wasm-bytes.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Kills brokers and removes temp dirs a test file left behind, after the file's own hooks.
    setupFiles: ['test/helpers/process-cleanup.ts'],
    // Two cores: integration tests spawn brokers, so bound parallelism to keep timings sane.
    pool: 'forks',
    maxWorkers: 2,
    // Process-heavy directories first when vitest has no durations from an earlier run (CI).
    sequence: { sequencer: HeavyFirstSequencer },
  },
});
