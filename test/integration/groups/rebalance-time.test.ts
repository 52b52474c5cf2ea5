/**
 * Measures (prints, does not assert) how long a group of 10 members over 100 partitions takes
 * to settle on loopback: all starting together, an 11th joining, and one leaving. "Settled":
 * every member in the same generation, the 100 partitions split among them, each exactly once.
 * The numbers include the clients' own work (committing and revoking, OffsetFetch, positioning).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata, type AssignmentStrategy, type GroupConsumer } from '../../../client/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';

const PARTITIONS = 100;
const MEMBERS = 10;

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
  const strata = new Strata({ brokers: broker.url });
  await strata.admin().createTopic({ name: 'wide', partitions: PARTITIONS });
  await strata.close();
});

afterAll(async () => {
  await broker?.stop();
});

function settled(members: readonly GroupConsumer<Buffer>[]): boolean {
  const generation = members[0]!.generationId;
  if (generation < 0) return false;
  const seen = new Set<number>();
  for (const m of members) {
    if (m.generationId !== generation) return false;
    for (const tp of m.assignment()) {
      if (seen.has(tp.partition)) return false;
      seen.add(tp.partition);
    }
  }
  return seen.size === PARTITIONS;
}

async function timeUntilSettled(members: readonly GroupConsumer<Buffer>[], started: number): Promise<number> {
  const deadline = started + 10_000;
  while (!settled(members)) {
    if (Date.now() > deadline) throw new Error('group did not settle');
    await new Promise((r) => setImmediate(r));
  }
  return Date.now() - started;
}

describe.each(['cooperative-sticky', 'range'] as AssignmentStrategy[])('rebalance time, 10 members / 100 partitions (%s)', (strategy) => {
  it('settles after a cold start, a join and a leave', async () => {
    const strata = new Strata({ brokers: broker.url });
    const groupId = `timing-${strategy}`;
    const make = () => strata.consumer({ groupId, strategy, autoOffsetReset: 'latest' });
    const members = Array.from({ length: MEMBERS }, make);

    let t0 = Date.now();
    await Promise.all(members.map((m) => m.subscribe('wide')));
    const coldMs = await timeUntilSettled(members, t0);

    const joiner = make();
    t0 = Date.now();
    await joiner.subscribe('wide');
    const grown = [...members, joiner];
    const joinMs = await timeUntilSettled(grown, t0);
    expect(grown.map((m) => m.assignment().length).sort()).toEqual([...Array(1).fill(10), ...Array(10).fill(9)].sort());

    const leaver = grown.shift()!;
    t0 = Date.now();
    await leaver.close();
    const leaveMs = await timeUntilSettled(grown, t0);
    expect(grown.map((m) => m.assignment().length)).toEqual(Array(10).fill(10));

    console.log(`rebalance ${strategy}: ${MEMBERS} members / ${PARTITIONS} partitions: cold start ${coldMs} ms `
      + `(includes the ${50} ms initial join window), 11th member joins ${joinMs} ms, one leaves ${leaveMs} ms`);
    await strata.close();
  });
});
