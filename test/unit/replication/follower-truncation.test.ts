/**
 * The follower's OffsetsForLeaderEpoch loop (KIP-101 / KIP-279) on real partitions: divergent
 * tails of a dead leader are cut, agreeing tails are kept, and replicas converge byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { truncateToLeader } from '../../../broker/replication/follower-truncation.js';
import { epochSource, lead, logBytes, replicate, useReplicas } from './helpers.js';

const replica = useReplicas();

describe('follower truncation by leader epoch', () => {
  it('KIP-101: a dead leader\'s unreplicated tail is replaced by the new leader\'s log', async () => {
    const a = (await replica()).partition;
    const b = (await replica()).partition;
    await lead(a, 'a', 10);                  // epoch 0, offsets 0..9
    await replicate(a, b);
    await lead(a, 'lost', 5);                // offsets 10..14: never fetched; a dies
    await b.makeLeader(1);
    await lead(b, 'b', 3);                   // the new leader writes offsets 10..12 in epoch 1
    const t = await truncateToLeader(a, epochSource(b));
    expect(t).toMatchObject({ logEndOffset: 10, truncated: 5, rounds: 1 });
    await replicate(b, a);
    expect(a.logEndOffset).toBe(13);
    expect((await logBytes(a)).equals(await logBytes(b))).toBe(true);
    expect(a.epochEntries()).toEqual(b.epochEntries());
  });

  it('keeps a tail the leader also has, whatever the high watermark says', async () => {
    const a = (await replica()).partition;
    const b = (await replica()).partition;
    await lead(a, 'a', 10);
    await replicate(a, b);                   // b holds all of epoch 0
    await b.makeLeader(1);
    const t = await truncateToLeader(a, epochSource(b));
    expect(t).toMatchObject({ logEndOffset: 10, truncated: 0 });
  });

  it('KIP-279: loops over epochs the follower led alone until the logs agree', async () => {
    const a = (await replica()).partition;
    const b = (await replica()).partition;
    await lead(a, 'e0', 4);                  // epoch 0: 0..3, replicated
    await replicate(a, b);
    await a.makeLeader(1);
    await lead(a, 'a1', 2);                  // 4..5 in epoch 1, never replicated
    await a.makeLeader(3);
    await lead(a, 'a3', 2);                  // 6..7 in epoch 3, never replicated
    await b.makeLeader(2);
    await lead(b, 'b2', 3);                  // b's 4..6 in epoch 2
    await b.makeLeader(4);
    await lead(b, 'b4', 2);                  // 7..8 in epoch 4
    const t = await truncateToLeader(a, epochSource(b));
    // Asked 3: b's floor is 2 (ends at 7), a's own floor of 2 is 1: ask 1; b says 0 ends at 4.
    expect(t).toMatchObject({ logEndOffset: 4, truncated: 4, rounds: 2 });
    await replicate(b, a);
    expect((await logBytes(a)).equals(await logBytes(b))).toBe(true);
    expect(a.epochEntries()).toEqual(b.epochEntries());
  });

  it('refuses to empty a log when the leader is behind the epoch asked about', async () => {
    const a = (await replica()).partition;
    const b = (await replica()).partition;
    await lead(a, 'x', 3);
    await replicate(a, b);
    await a.makeLeader(7);
    await lead(a, 'y', 1);
    await expect(truncateToLeader(a, epochSource(b))).rejects.toThrow(/knows no epoch at or below 7/);
    expect(a.logEndOffset).toBe(4);
  });

  it('empties a follower whose whole log the leader never had', async () => {
    const a = (await replica()).partition;
    const b = (await replica()).partition;
    await lead(a, 'orphan', 6);
    await b.makeLeader(1);                   // empty leader: nothing of a's survived
    const t = await truncateToLeader(a, epochSource(b));
    expect(t.logEndOffset).toBe(0);
    expect(a.epochEntries()).toEqual([]);
    await lead(b, 'b', 2);
    await replicate(b, a);
    expect((await logBytes(a)).equals(await logBytes(b))).toBe(true);
  });
});
