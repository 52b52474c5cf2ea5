/**
 * The leader's replica tracker on real partitions: the high watermark is the minimum over the
 * ISR of what each member holds (durably under flush always), acks=all waits for it, and
 * followers are judged lagging or caught up by Kafka's rule.
 */
import { describe, expect, it } from 'vitest';
import { ReplicaTracker } from '../../../broker/partition/replica-tracker.js';
import { records, replicate, useReplicas } from '../replication/helpers.js';

const replica = useReplicas();

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setTimeout(r, 20));
  return done;
};

async function setup(isr = [1, 2, 3]) {
  const leader = (await replica()).partition;
  const f2 = (await replica()).partition;
  const f3 = (await replica()).partition;
  await leader.makeLeader(1);
  const tracker = new ReplicaTracker({ partition: leader, localId: 1, replicas: [1, 2, 3], isr, minInsyncReplicas: 2, countDurableOnly: true, nowMs: 0 });
  tracker.start();
  const fetch = async (id: 2 | 3, nowMs = 0): Promise<void> => {
    const f = id === 2 ? f2 : f3;
    await replicate(leader, f);
    await f.log.flush();
    tracker.onFollowerFetch(id, f.logEndOffset, f.log.durableEndOffset, nowMs);
  };
  return { leader, f2, f3, tracker, fetch };
}

describe('replica tracker', () => {
  it('holds the high watermark at the slowest ISR member and answers acks=all only past it', async () => {
    const { leader, tracker, fetch } = await setup();
    const res = leader.appendAsLeader(records('x', 5), 'all');
    await res.written;
    await leader.log.flush();
    expect(leader.highWatermark).toBe(0);    // durable on the leader only
    expect(await settled(res.committed!)).toBe(false);
    await fetch(2);
    expect(leader.highWatermark).toBe(0);    // 3 is in the ISR and has nothing
    expect(await settled(res.committed!)).toBe(false);
    await fetch(3);
    expect(leader.highWatermark).toBe(5);
    await res.committed;
    expect(tracker.follower(3)).toMatchObject({ logEndOffset: 5, ackedEndOffset: 5 });
  });

  it('counts only what a follower reports durable under flush always', async () => {
    const { leader, f2, tracker } = await setup([1, 2]);
    await leader.appendAsLeader(records('x', 3), 'leader').written;
    await leader.log.flush();
    await replicate(leader, f2);
    tracker.onFollowerFetch(2, f2.logEndOffset, 0, 0); // written but not yet fsynced there
    expect(leader.highWatermark).toBe(0);
    tracker.onFollowerFetch(2, f2.logEndOffset, 3, 1);
    expect(leader.highWatermark).toBe(3);
  });

  it('moves on once the ISR shrinks, and tells whether min.insync.replicas still holds', async () => {
    const { leader, tracker, fetch } = await setup();
    await leader.appendAsLeader(records('x', 4), 'leader').written;
    await leader.log.flush();
    await fetch(2);
    expect(leader.highWatermark).toBe(0);
    tracker.setIsr([1, 2]);                  // committed in etcd: 3 left
    expect(leader.highWatermark).toBe(4);
    expect(tracker.hasMinIsr()).toBe(true);
    tracker.setIsr([1]);
    expect(tracker.hasMinIsr()).toBe(false);
  });

  it('calls a follower lagging after lagMs without catching up, and caught up once it holds the high watermark', async () => {
    const { leader, tracker, fetch } = await setup([1, 2]);
    await leader.appendAsLeader(records('x', 4), 'leader').written;
    await leader.log.flush();
    await fetch(2, 100);
    expect(tracker.lagging(5_000, 10_000)).toEqual([]);
    // Follower 2 fetches at its end, but the leader moved on and 2 never catches up again.
    await leader.appendAsLeader(records('y', 4), 'leader').written;
    tracker.onFollowerFetch(2, 4, 4, 6_000);
    await leader.appendAsLeader(records('z', 4), 'leader').written;
    tracker.onFollowerFetch(2, 4, 4, 12_000);
    // Caught up as of the fetch at 100 ms (the one at 6 s reached the end the leader had then,
    // the one at 12 s did not): lagging once 10 s have passed since 100 ms.
    expect(tracker.follower(2)!.lastCaughtUpMs).toBe(100);
    expect(tracker.lagging(10_100, 10_000)).toEqual([]);
    expect(tracker.lagging(10_101, 10_000)).toEqual([2]);
    // 3 is out of the ISR; once it holds everything committed it may come back.
    expect(tracker.caughtUp()).toEqual([]);
    await fetch(3, 20_000);
    expect(tracker.caughtUp()).toEqual([3]);
  });

  it('takes a follower the ISR lost back only after it fetches again, however caught up it last looked', async () => {
    const { leader, tracker, fetch } = await setup();
    await leader.appendAsLeader(records('x', 4), 'leader').written;
    await leader.log.flush();
    await fetch(2);
    await fetch(3);
    expect(leader.highWatermark).toBe(4);
    // 3 dies at the log's end; the controller removes it from the ISR in etcd.
    tracker.setIsr([1, 2]);
    expect(tracker.caughtUp()).toEqual([]);
    await fetch(3);
    expect(tracker.caughtUp()).toEqual([3]);
  });

  it('ignores fetches from brokers that are not replicas', async () => {
    const { tracker } = await setup();
    expect(tracker.onFollowerFetch(9, 0, 0, 0)).toBe(false);
  });
});
