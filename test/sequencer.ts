/**
 * The order the default suite hands test files to its two workers: the process-heavy
 * directories first, the many short unit files last, so the workers finish together.
 *
 * Vitest runs files longest first when it has their durations from an earlier run, and
 * otherwise largest file first. CI runs from a fresh `npm ci`, with no durations: the
 * kill -9 loop (test/crash/kill-loop.test.ts, 1-2 minutes, a 2 KB file) came 193rd of 211,
 * and one worker ran it alone at the end. Replaying the per-file durations measured at
 * 2026-12-03 20:19 (load 8-17) on two workers: largest-first ends 852 s, this order 799 s,
 * the ideal split 799 s.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Directories whose files start brokers, clusters and kill loops (the longest files), in this order. */
const HEAVY_FIRST = ['test/crash/', 'test/cluster/', 'test/integration/', 'test/fuzz/', 'test/unit/'];

export class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const key = (f: TestSpecification): string => `${f.project.name}:${relative(root, f.moduleId)}`;
    // With every file's duration known, vitest's longest-first order is already the good one.
    if (base.every((f) => this.ctx.cache.getFileTestResults(key(f)))) return base;
    const rank = (f: TestSpecification): number => {
      const i = HEAVY_FIRST.findIndex((dir) => relative(root, f.moduleId).startsWith(dir));
      return i < 0 ? HEAVY_FIRST.length : i;
    };
    return base.map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.f);
  }
}
