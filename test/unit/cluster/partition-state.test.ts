import { describe, expect, it } from 'vitest';
import { CorruptLogError } from '../../../proto/errors.js';
import {
  decide, initialState, NO_LEADER, parsePartitionState, serializePartitionState, withIsr, type PartitionState,
} from '../../../broker/cluster/partition-state.js';

const state = (s: Partial<PartitionState>): PartitionState => ({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 5, isr: [1, 2, 3], controllerEpoch: 10, ...s });
const live = (...ids: number[]): Set<number> => new Set(ids);

describe('partition state decisions', () => {
  it('starts with the first live replica leading at epoch 0 and the live replicas in sync', () => {
    expect(initialState([2, 3, 1], live(1, 3), 7)).toEqual({ replicas: [2, 3, 1], leader: 3, leaderEpoch: 0, isr: [3, 1], controllerEpoch: 7 });
    expect(initialState([2], live(1), 7).leader).toBe(NO_LEADER);
  });

  it('leaves a healthy partition alone', () => {
    expect(decide(state({}), live(1, 2, 3), 11, false)).toBeNull();
  });

  it('elects the next ISR member in replica order when the leader dies, bumping the epoch', () => {
    const d = decide(state({ isr: [1, 3] }), live(2, 3), 11, false)!;
    expect(d.state).toMatchObject({ leader: 3, leaderEpoch: 6, isr: [3], controllerEpoch: 11 });
    expect(d.unclean).toBe(false);
  });

  it('never elects a live replica outside the ISR unless unclean election is on', () => {
    const s = state({ isr: [1] });
    const clean = decide(s, live(2, 3), 11, false)!;
    expect(clean.state).toMatchObject({ leader: NO_LEADER, leaderEpoch: 6, isr: [1] }); // the ISR is kept for 1's return
    const unclean = decide(s, live(2, 3), 11, true)!;
    expect(unclean.state).toMatchObject({ leader: 2, leaderEpoch: 6, isr: [2] });
    expect(unclean.unclean).toBe(true);
  });

  it('does nothing more for an offline partition until an ISR member returns, which then leads', () => {
    const offline = state({ leader: NO_LEADER, leaderEpoch: 6, isr: [1] });
    expect(decide(offline, live(2, 3), 11, false)).toBeNull();
    expect(decide(offline, live(1, 2), 11, false)!.state).toMatchObject({ leader: 1, leaderEpoch: 7, isr: [1] });
  });

  it('removes dead followers from the ISR without touching the leader epoch', () => {
    expect(decide(state({}), live(1, 3), 11, false)!.state).toMatchObject({ leader: 1, leaderEpoch: 5, isr: [1, 3] });
  });

  it('moves leadership back to the preferred replica once it is alive and in the ISR', () => {
    const s = state({ leader: 2, isr: [2, 3] });
    expect(decide(s, live(1, 2, 3), 11, false)).toBeNull(); // 1 alive but still catching up
    expect(decide({ ...s, isr: [1, 2, 3] }, live(1, 2, 3), 11, false)!.state).toMatchObject({ leader: 1, leaderEpoch: 6 });
  });

  it('keeps ISR order by replica order and refuses an ISR without the leader', () => {
    expect(withIsr(state({}), [3, 1]).isr).toEqual([1, 3]);
    expect(() => withIsr(state({}), [2, 3])).toThrow(RangeError);
  });

  it('round-trips through JSON and refuses documents that break its invariants', () => {
    const s = state({ isr: [1, 2] });
    expect(parsePartitionState(serializePartitionState(s), 'k')).toEqual(s);
    for (const bad of [
      'nope', '[]', '{}',
      JSON.stringify({ ...s, isr: [1, 4] }),
      JSON.stringify({ ...s, leader: 3, isr: [1, 2] }),
      JSON.stringify({ ...s, replicas: [1, 1] }),
      JSON.stringify({ ...s, leaderEpoch: -1 }),
      JSON.stringify({ ...s, replicas: [] }),
    ]) {
      expect(() => parsePartitionState(bad, 'k'), bad).toThrow(CorruptLogError);
    }
  });
});
