/**
 * The parts of the group coordinator that Kafka-protocol members use: choosing among the
 * strategies a member offers, SyncGroup answered from the broker's own assignment, and the
 * member's JoinGroup metadata kept for DescribeGroups.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCoordinator, type JoinInput } from '../../../broker/groups/group-coordinator.js';
import { silentLogger } from '../../../broker/logger.js';
import { DEFAULT_LOG_CONFIG } from '../../../broker/storage/log-config.js';
import { IllegalGenerationError, InvalidConfigError, RebalanceInProgressError, UnknownMemberIdError } from '../../../proto/errors.js';

let dir: string;
let coordinator: GroupCoordinator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-kafka-members-'));
  coordinator = await GroupCoordinator.open({
    dataDir: dir, logDefaults: DEFAULT_LOG_CONFIG, logger: silentLogger(), initialRebalanceDelayMs: 20,
    topics: { partitionCount: (t) => (t === 't' ? 4 : undefined), partitionOffsets: () => undefined, offsetForTimestamp: async () => null },
  });
});

afterEach(async () => {
  await coordinator.close();
  await rm(dir, { recursive: true, force: true });
});

function input(over: Partial<JoinInput>): JoinInput {
  return {
    groupId: 'g', memberId: '', clientId: 'c', topics: ['t'], strategy: '', sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000, owned: [], ...over,
  };
}

const kafka = { protocolName: 'roundrobin', metadata: Buffer.from('sub'), clientHost: '/127.0.0.1' };

describe('Kafka members of a consumer group', () => {
  it('run the group on the first strategy they offer that the broker knows', async () => {
    const first = await coordinator.join(input({ strategies: ['RoundRobinAssigner', 'round-robin', 'range'], kafka }));
    expect(first.strategy).toBe('round-robin');
  });

  it('take the group current strategy when they offer it, even if it is not their first choice', async () => {
    const ws = coordinator.join(input({ strategy: 'range' }));
    const k = coordinator.join(input({ strategies: ['cooperative-sticky', 'range'], kafka }));
    const [a, b] = await Promise.all([ws, k]);
    expect(a.strategy).toBe('range');
    expect(b.strategy).toBe('range');
    expect(a.generationId).toBe(b.generationId);
    expect([...a.assignment, ...b.assignment]).toHaveLength(4);
  });

  it('are refused when they offer no strategy the broker knows or the group runs', async () => {
    expect(() => coordinator.join(input({ strategies: ['sticky'] }))).toThrow(InvalidConfigError);
    const ws = coordinator.join(input({ strategy: 'range' }));
    await ws;
    expect(() => coordinator.join(input({ strategies: ['cooperative-sticky'] }))).toThrow(InvalidConfigError);
  });

  it('get their broker-computed share from SyncGroup, fenced by generation and membership', async () => {
    const joined = await coordinator.join(input({ strategies: ['range'], kafka }));
    expect(coordinator.sync('g', joined.memberId, joined.generationId)).toEqual(joined.assignment);
    expect(() => coordinator.sync('g', joined.memberId, joined.generationId - 1)).toThrow(IllegalGenerationError);
    expect(() => coordinator.sync('g', 'nobody', joined.generationId)).toThrow(UnknownMemberIdError);
    const second = coordinator.join(input({ strategies: ['range'], kafka }));
    expect(() => coordinator.sync('g', joined.memberId, joined.generationId)).toThrow(RebalanceInProgressError);
    void second.catch(() => {});
  });

  it('keep what they sent with JoinGroup for DescribeGroups', async () => {
    const joined = await coordinator.join(input({ strategies: ['range'], kafka }));
    const [member] = coordinator.describeGroup('g').members;
    expect(member).toMatchObject({ memberId: joined.memberId, kafka });
  });
});
