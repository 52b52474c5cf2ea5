import { describe, expect, it } from 'vitest';
import type { BatchMeta } from '../../../broker/storage/log-writer.js';
import { TailCache } from '../../../broker/storage/tail-cache.js';
import { TailCacheBudget } from '../../../broker/storage/tail-cache-budget.js';

const ENTRY_BYTES = 1024;

/** `n` contiguous one-batch appends of ENTRY_BYTES each (the bytes are never read here). */
function addAppends(cache: TailCache, n: number, from = 0): void {
  for (let i = 0; i < n; i++) {
    const meta: BatchMeta = { baseOffset: from + i, lastOffset: from + i, maxTimestamp: 0, size: ENTRY_BYTES };
    cache.add(Buffer.allocUnsafeSlow(ENTRY_BYTES), [meta], 0);
  }
}

describe('tail cache budget', () => {
  it('lets go of entries its caches evicted themselves, so a busy log does not keep every append alive', () => {
    // The partition limit (8 entries) evicts long before the budget (1,000 entries) would.
    const budget = new TailCacheBudget(1000 * ENTRY_BYTES);
    const cache = new TailCache(budget, 8 * ENTRY_BYTES, () => undefined);
    addAppends(cache, 10_000);
    expect(cache.size).toBe(8);
    expect(budget.bytes).toBe(8 * ENTRY_BYTES);
    expect(budget.queueSlots).toBeLessThanOrEqual(2 * 8 + 64);
  });

  it('stays bounded when one cache evicts by its own limit while another holds the oldest entry', () => {
    const budget = new TailCacheBudget(1000 * ENTRY_BYTES);
    const idle = new TailCache(budget, 1000 * ENTRY_BYTES, () => undefined);
    const busy = new TailCache(budget, 8 * ENTRY_BYTES, () => undefined);
    addAppends(idle, 1);
    addAppends(busy, 10_000);
    expect(idle.size).toBe(1);
    expect(busy.size).toBe(8);
    expect(budget.queueSlots).toBeLessThanOrEqual(2 * 9 + 64 + 1);
  });
});
