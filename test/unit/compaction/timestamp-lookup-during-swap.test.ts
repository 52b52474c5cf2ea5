/**
 * A timestamp lookup that runs while the cleaner swaps segments must land on a record that is
 * still there, never past one that is never removed (the lookup used to skip segments marked as
 * leaving while a swap had not yet put their replacement in the list).
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../storage/helpers.js';
import { compactConfig, keyed, newCleaner, openManager } from '../storage/cleaner/helpers.js';

const T0 = 1_800_000_000_000;

describe('timestamp lookups during a cleaner swap', () => {
  it('find the first surviving record at or after the time, before, during and after the swap', async () => {
    const { dir, cleanup } = await tempDir('strata-ts-swap-');
    const config = compactConfig({ segmentBytes: 1024, indexIntervalBytes: 64 });
    const manager = await openManager(dir, config);
    const cleaner = newCleaner({ now: () => T0 + 10_000_000 });
    try {
      const log = await manager.openLog('t', 0, config);
      // Two rounds over 20 keys, one record per batch: round 0 (offsets 0-19) is all superseded.
      let n = 0;
      for (let round = 0; round < 2; round++) {
        for (let k = 0; k < 20; k++) {
          await log.appendAsLeader(keyed([{ key: `k${k}`, value: `r${round}-${'p'.repeat(60)}`, timestamp: T0 + n++ * 1000 }]), 0).written;
        }
      }
      // Fillers so everything above is sealed.
      for (let z = 0; z < 20; z++) await log.appendAsLeader(keyed([{ key: `z${z}`, value: 'f'.repeat(60), timestamp: T0 + n++ * 1000 }]), 0).written;
      await log.maybeRoll(Number.MAX_SAFE_INTEGER);
      const target = T0 + 3 * 1000;
      expect((await log.offsetForTimestamp(target, Number.MAX_SAFE_INTEGER))!.offset).toBe(3);
      const seen = new Set<number>();
      let cleaning = true;
      const lookups = (async () => {
        while (cleaning) seen.add((await log.offsetForTimestamp(target, Number.MAX_SAFE_INTEGER))!.offset);
      })();
      await cleaner.cleanLog(log, manager);
      cleaning = false;
      await lookups;
      seen.add((await log.offsetForTimestamp(target, Number.MAX_SAFE_INTEGER))!.offset);
      // Offset 3 before the pass, round 1's k0 at offset 20 after it; in between, as the groups
      // are cleaned one after another, the first record not removed yet. Never past 20: that
      // record is never removed.
      expect([...seen].filter((o) => o < 3 || o > 20)).toEqual([]);
      expect(await log.offsetForTimestamp(target, Number.MAX_SAFE_INTEGER)).toMatchObject({ offset: 20 });
    } finally {
      await cleaner.stop();
      await manager.close();
      await cleanup();
    }
  });
});
