/**
 * FindCoordinator: the group coordinator as the shared FindCoordinator command finds it
 * (broker/server/api/find-coordinator.ts: the leader of the group's `__consumer_offsets`
 * partition; a broker alone coordinates every group), named by its Kafka address
 * (kafka-addresses.ts), so the Kafka and WebSocket listeners always name the same broker. A
 * coordinator without a Kafka listener, or none at the moment (no leader, or the offsets topic
 * still being created), is the retriable COORDINATOR_NOT_AVAILABLE, and the client asks again.
 *
 * Transaction coordinators (key type 1) do not exist here: COORDINATOR_NOT_AVAILABLE. v4 asks
 * for several groups at once; each gets its own answer.
 */
import { CoordinatorNotAvailableError } from '../../../proto/errors.js';
import { handleFindCoordinator as sharedFindCoordinator } from '../../server/api/find-coordinator.js';
import { kafkaAddressOf } from '../kafka-addresses.js';
import type { KafkaContext } from '../kafka-context.js';
import { kafkaErrorCode, kafkaErrorMessage, KafkaError } from '../kafka-errors.js';
import type { KafkaHandler } from './types.js';

const KEY_TYPE_GROUP = 0;

interface Coordinator {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const NONE_FOUND = { nodeId: -1, host: '', port: -1 } as const;

async function coordinatorOf(ctx: KafkaContext, groupId: string): Promise<Coordinator> {
  const { cluster, config } = ctx.services;
  const self = { nodeId: config.nodeId, advertised: ctx.advertised };
  try {
    const { nodeId } = await sharedFindCoordinator(ctx.request, { groupId });
    const address = kafkaAddressOf(cluster, nodeId, self);
    if (!address) throw new CoordinatorNotAvailableError(`group ${groupId}: its coordinator, broker ${nodeId}, has no Kafka listener`);
    return { nodeId, host: address.host, port: address.port, errorCode: KafkaError.NONE, errorMessage: null };
  } catch (err) {
    return { ...NONE_FOUND, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) };
  }
}

const NO_TRANSACTIONS: Coordinator = {
  ...NONE_FOUND, errorCode: KafkaError.COORDINATOR_NOT_AVAILABLE, errorMessage: 'transactions are not supported by this broker',
};

export const handleFindCoordinator: KafkaHandler<'findCoordinator'> = async (ctx, req) => {
  const groups = req.body.keyType === KEY_TYPE_GROUP;
  const find = (key: string): Promise<Coordinator> => (groups ? coordinatorOf(ctx, key) : Promise.resolve(NO_TRANSACTIONS));
  if (req.apiVersion >= 4) {
    return { coordinators: await Promise.all(req.body.coordinatorKeys.map(async (key) => ({ key, ...(await find(key)) }))) };
  }
  return find(req.body.key);
};
