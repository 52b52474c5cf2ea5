/**
 * Kafka consumers name their assignors ("protocols" in JoinGroup); Strata's groups run the
 * assignor in the broker (broker/groups/). This maps Kafka's protocol names to the broker's
 * strategies, and back for DescribeGroups. Client-side assignors with no broker equivalent
 * (Java's eager "sticky", custom ones) are not run: a member offering only those is refused with
 * INCONSISTENT_GROUP_PROTOCOL.
 *
 * No member is told it leads: the JoinGroup answer names BROKER_ASSIGNOR_LEADER as the leader,
 * which no member id can equal (member ids are "<client>-<uuid>"), so every Kafka member acts as
 * a follower, sends an empty SyncGroup and receives the assignment the broker computed.
 */
import type { StrategyName } from '../groups/assignor.js';

export const BROKER_ASSIGNOR_LEADER = 'strata-broker-assignor';

const STRATEGY_BY_PROTOCOL: Readonly<Record<string, StrategyName>> = {
  range: 'range', // Java, librdkafka
  roundrobin: 'round-robin', // Java, librdkafka
  RoundRobinAssigner: 'round-robin', // kafkajs's default
  'cooperative-sticky': 'cooperative-sticky', // Java, librdkafka
  'round-robin': 'round-robin', // Strata's own names, for clients that use them
};

const PROTOCOL_BY_STRATEGY: Readonly<Record<StrategyName, string>> = {
  range: 'range',
  'round-robin': 'roundrobin',
  'cooperative-sticky': 'cooperative-sticky',
};

export function strategyOfProtocol(protocol: string): StrategyName | undefined {
  return Object.hasOwn(STRATEGY_BY_PROTOCOL, protocol) ? STRATEGY_BY_PROTOCOL[protocol] : undefined;
}

export function protocolOfStrategy(strategy: string): string {
  return (PROTOCOL_BY_STRATEGY as Record<string, string>)[strategy] ?? strategy;
}

/** Kafka's group state names for Strata's states. */
export function kafkaGroupState(state: 'empty' | 'rebalancing' | 'stable'): string {
  return state === 'empty' ? 'Empty' : state === 'rebalancing' ? 'PreparingRebalance' : 'Stable';
}
