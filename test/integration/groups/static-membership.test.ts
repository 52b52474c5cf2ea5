/**
 * Static membership (Kafka's KIP-345) against a real broker process, with SDK group consumers:
 * a member that restarts with its group instance id within the session timeout gets its
 * partitions back without a rebalance (the other member sees no callback and no new
 * generation); a second live member with the same instance id fences the first; a static member
 * that does not come back is evicted when its session expires, and the others rebalance.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FencedInstanceIdError, Strata, type GroupConsumerOptions, type TopicPartition } from '../../../client/index.js';
import { startBrokerProcess, removeDir, type BrokerProcess } from '../../helpers/cli.js';
import { fill, Ledger, startMember, until, type Member } from './group-helpers.js';

const PARTITIONS = 4;
const PER_PARTITION = 50;

let broker: BrokerProcess;
const clients: Strata[] = [];
let topicSeq = 0;

beforeAll(async () => {
  broker = await startBrokerProcess();
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

afterAll(async () => {
  await broker?.stop();
  if (broker) await removeDir(broker.dataDir);
});

function client(): Strata {
  const c = new Strata({ brokers: broker.url });
  clients.push(c);
  return c;
}

async function newTopic(): Promise<string> {
  const strata = client();
  const topic = `static${++topicSeq}`;
  await strata.admin().createTopic({ name: topic, partitions: PARTITIONS });
  await fill(strata, topic, PARTITIONS, PER_PARTITION);
  return topic;
}

function partitions(tps: readonly TopicPartition[]): number[] {
  return tps.map((tp) => tp.partition).sort((a, b) => a - b);
}

/** Counts the rebalance callbacks a member gets. */
function callbackCounter(): { counts: { assigned: number; revoked: number; lost: number }; options: Partial<GroupConsumerOptions> } {
  const counts = { assigned: 0, revoked: 0, lost: 0 };
  return {
    counts,
    options: {
      onPartitionsAssigned: () => { counts.assigned++; },
      onPartitionsRevoked: () => { counts.revoked++; },
      onPartitionsLost: () => { counts.lost++; },
    },
  };
}

async function stableSplit(a: Member, b: Member): Promise<void> {
  await until(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2, 10_000, 'a 2+2 split');
}

describe('static membership (groupInstanceId)', () => {
  it('a member restarted with its instance id within the session gets its partitions back; the other sees no rebalance', async () => {
    const topic = await newTopic();
    const ledger = new Ledger();
    const group = 'static-restart';
    const base = { groupId: group, sessionTimeoutMs: 4_000 };
    const watchB = callbackCounter();
    const a = startMember(client(), 'a', topic, ledger, { ...base, groupInstanceId: 'host-a' });
    const b = startMember(client(), 'b', topic, ledger, { ...base, groupInstanceId: 'host-b', ...watchB.options });
    await Promise.all([a.subscribed, b.subscribed]);
    await stableSplit(a.member, b.member);
    await ledger.complete(PARTITIONS, PER_PARTITION);
    const generation = b.member.consumer.generationId;
    const aParts = partitions(a.member.consumer.assignment());
    const bParts = partitions(b.member.consumer.assignment());
    const before = { ...watchB.counts };

    await a.member.consumer.close(); // no LeaveGroup: the broker keeps host-a's place
    await a.member.done;
    const restarted = startMember(client(), 'a2', topic, ledger, { ...base, groupInstanceId: 'host-a' });
    await restarted.subscribed;

    expect(partitions(restarted.member.consumer.assignment())).toEqual(aParts);
    expect(restarted.member.consumer.generationId).toBe(generation);
    // Give a rebalance, were one started, time to reach b (its heartbeat is a long poll).
    await new Promise((r) => setTimeout(r, 500));
    expect(watchB.counts).toEqual(before);
    expect(b.member.consumer.generationId).toBe(generation);
    expect(partitions(b.member.consumer.assignment())).toEqual(bParts);

    // The restarted member really owns its partitions: what is produced now reaches it.
    const producer = client().producer({ lingerMs: 0 });
    await producer.send({ topic, messages: aParts.map((p) => ({ value: 'after', partition: p })) });
    await producer.close();
    await until(() => (ledger.byMember.get('a2') ?? 0) >= aParts.length, 10_000, 'the restarted member to consume');
    await restarted.member.consumer.close();
    await b.member.consumer.close();
  });

  it('a second live member with the same instance id fences the first with FencedInstanceIdError', async () => {
    const topic = await newTopic();
    const ledger = new Ledger();
    const base = { groupId: 'static-fence', sessionTimeoutMs: 4_000 };
    const a = startMember(client(), 'a', topic, ledger, { ...base, groupInstanceId: 'host-a' });
    const b = startMember(client(), 'b', topic, ledger, { ...base, groupInstanceId: 'host-b' });
    await Promise.all([a.subscribed, b.subscribed]);
    await stableSplit(a.member, b.member);
    const aParts = partitions(a.member.consumer.assignment());
    const generation = b.member.consumer.generationId;

    const twin = startMember(client(), 'twin', topic, ledger, { ...base, groupInstanceId: 'host-a' });
    await twin.subscribed;
    await expect(a.member.done).rejects.toBeInstanceOf(FencedInstanceIdError);
    expect(partitions(twin.member.consumer.assignment())).toEqual(aParts);
    expect(twin.member.consumer.generationId).toBe(generation);
    expect(b.member.consumer.generationId).toBe(generation);
    await a.member.consumer.close();
    await twin.member.consumer.close();
    await b.member.consumer.close();
  });

  it('a static member that does not come back is evicted after its session timeout and the others rebalance', async () => {
    const topic = await newTopic();
    const ledger = new Ledger();
    const base = { groupId: 'static-expire', sessionTimeoutMs: 1_000 };
    const a = startMember(client(), 'a', topic, ledger, { ...base, groupInstanceId: 'host-a' });
    const b = startMember(client(), 'b', topic, ledger, { ...base, groupInstanceId: 'host-b' });
    await Promise.all([a.subscribed, b.subscribed]);
    await stableSplit(a.member, b.member);
    const generation = b.member.consumer.generationId;
    await a.member.consumer.close();
    await until(() => b.member.consumer.assignment().length === PARTITIONS, 10_000, 'b to take every partition');
    expect(b.member.consumer.generationId).toBeGreaterThan(generation);
    await b.member.consumer.close();
  });
});
